"""WebSocket routes, served by Channels' URLRouter in creditcard_guru.asgi."""

from __future__ import annotations

from django.urls import path, re_path

from whatif.consumers import UnknownPathConsumer, WhatIfConsumer


def socket_path(token: str) -> str:
    """The what-if socket of one saved answer (the pattern below, filled in)."""
    return f"/ws/results/{token}/what-if/"


websocket_urlpatterns = [
    path("ws/results/<slug:token>/what-if/", WhatIfConsumer.as_asgi()),
    # Anything else is refused at the handshake instead of raising "No route found".
    re_path(r"", UnknownPathConsumer.as_asgi()),
]
