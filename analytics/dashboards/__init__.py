"""Readers behind the dashboard pages: each builds the figures, tables and charts of one page."""
