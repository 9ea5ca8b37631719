"""API tokens for machines: administrators and member companies."""
