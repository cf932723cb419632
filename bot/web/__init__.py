"""adapter: the office's web view for staff (see server.py)."""
