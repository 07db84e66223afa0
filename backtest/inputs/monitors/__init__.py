"""Packaged thesis-monitor series (``value`` CSV data files; README "Thesis monitors")."""
