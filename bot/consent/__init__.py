"""Consent: the privacy notice (short and full, in every language), its version, and the
purposes an association can agree to one by one."""
