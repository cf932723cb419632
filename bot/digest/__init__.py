"""The staff's weekly digest: figures from the database, German (or English) texts, a chart."""
