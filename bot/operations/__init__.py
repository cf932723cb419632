"""Running it in production: one bot per database (the lease), backups and restore, and the
status a monitor reads."""
