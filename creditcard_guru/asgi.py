"""ASGI entry point: HTTP through Django (behind request body limits), WebSocket through Django
Channels' routing.

Serve it with uvicorn or daphne, for example:

    uvicorn creditcard_guru.asgi:application --host 0.0.0.0 --port 8000 --workers 4 \
        --no-server-header
    daphne -b 0.0.0.0 -p 8000 --no-server-name creditcard_guru.asgi:application

HTTP goes through web/bodylimit.py first: every request body is bounded before Django reads it,
and then kept in memory, never in a temporary file. web/handler.py answers sync views in one
thread hop, as WSGI would (docs/performance.md, issue 14).
"""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcard_guru.settings")
# Set up Django (apps, settings) before anything imports models through the routes below, and
# before reverse() is used.
django.setup(set_prefix=False)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from web.bodylimit import BodyLimitMiddleware, LargeBody  # noqa: E402
from web.handler import OneHopASGIHandler  # noqa: E402
from web.logs import hide_tokens_in_access_logs  # noqa: E402
from whatif.routing import websocket_urlpatterns  # noqa: E402

hide_tokens_in_access_logs()

http_application = BodyLimitMiddleware(
    OneHopASGIHandler(max_body_bytes=settings.STATEMENT_IMPORT_MAX_BYTES),
    default_limit=settings.REQUEST_MAX_BYTES,
    large=(LargeBody("POST", reverse("wizard:import"), settings.STATEMENT_IMPORT_MAX_BYTES),),
    large_at_once=settings.UPLOADS_PER_WORKER,
    idle_seconds=settings.REQUEST_BODY_IDLE_SECONDS,
    # daphne (Twisted) has written any body over 100 KB to a temporary file before it calls the
    # application; the statement import refuses uploads there (see the README).
    server_spools_bodies="daphne.server" in sys.modules,
)

application = ProtocolTypeRouter(
    {
        "http": http_application,
        # Browsers send Origin on every WebSocket handshake; one not in ALLOWED_HOSTS (another
        # site's page opening a socket with this site's cookies) is refused with a 403.
        "websocket": AllowedHostsOriginValidator(
            SessionMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
