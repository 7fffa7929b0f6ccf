"""SQLite storage: the connection, migrations and repositories. Owns all SQL."""
