"""Partner contacts: people at an organisation of the catalog who answer the associations'
needs themselves (issue 19)."""
