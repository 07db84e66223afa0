"""Views of a run: tables, Markdown/HTML markup and charts (the only matplotlib import)."""
