"""The web application: a face over the same services the command line calls (see app.py)."""
