"""The users' data rights and the retention rule: `/mydata` and the daily purge."""
