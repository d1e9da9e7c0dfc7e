"""The customer's negotiation page (DESIGN §7), reached from a signed link: ``/n/<token>/``."""
