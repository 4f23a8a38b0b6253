"""The store: the only code that talks to the database (SQLAlchemy 2 over SQLite or PostgreSQL)."""
