"""The compliance officers' workspace: case timelines, audit-chain verification, reports with charts,
evidence exports, template approval, the agency register and the retention review (``/compliance/``)."""
