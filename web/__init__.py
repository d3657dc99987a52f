"""Web helpers shared by the apps (htmx page-or-partial, client addresses, ASGI edges)."""
