"""Web helpers shared by the apps (htmx page-or-partial, client addresses, ASGI edges).

Not settings: those stay in creditcard_guru.
"""
