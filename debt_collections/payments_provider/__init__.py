"""Payment providers (issue 14), like the SMS backends in ``notifications.channels``: a small interface
(``base``), a test provider for the demo and the tests and a bank-transfer-instructions provider
(``providers``), the signed-webhook check (``signing``) and the entry points (``views``: the webhook and
the test provider's checkout page)."""
