"""Credit reporting (pre-notices, the bureau feed, corrections) and credit-limit changes (notice,
appeal, review): domain services with their own home, called by the API, the admin, the customer
page and the daily cycle."""
