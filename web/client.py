"""Who is asking: the client's address, as the site sees it behind its proxy."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The connection's address, or behind a proxy (DJANGO_BEHIND_PROXY) the last address of
    X-Forwarded-For: the one that proxy added. Earlier addresses come from the client, which can
    write anything there (a new one per try, to dodge a per-address limit)."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.headers.get("X-Forwarded-For", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"
