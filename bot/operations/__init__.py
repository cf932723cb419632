"""Running it in production: one bot per database (an exclusive lock: the lease), backups and restore, and the
status a monitor reads."""
