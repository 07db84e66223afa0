"""The CI methodology gate: golden files, tolerances, check and compare, and their views."""
