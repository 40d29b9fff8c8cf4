"""Jinja2 templates of the email-safe newsletter pages (read with importlib.resources)."""
