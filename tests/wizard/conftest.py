"""Shared by the wizard tests: the header an htmx request carries."""

HTMX = {"HX-Request": "true"}
