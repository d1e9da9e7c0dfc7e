"""Payment providers (issue 14), like the SMS backends in ``notifications.channels``: a small interface
(``base``), a test provider for the demo and the tests and a bank-transfer-instructions provider
(``providers``) and the signed-webhook check (``signing``). Infrastructure the services call; the entry
points (the webhook and the test provider's checkout page) are ``customer.payment_views``."""
