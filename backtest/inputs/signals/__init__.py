"""Packaged inference-share series (CSV data files)."""
