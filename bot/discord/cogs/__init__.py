"""Command groups: asking (ask.py) and admin/info commands (admin.py)."""
