"""Database access. Only the conductor (and nova-lite-manage) import this."""
