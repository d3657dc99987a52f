"""ASGI entry point: HTTP through Django, WebSocket through Django Channels' routing.

Serve it with uvicorn or daphne, for example:

    uvicorn creditcard_guru.asgi:application --host 0.0.0.0 --port 8000 --workers 4
    daphne -b 0.0.0.0 -p 8000 creditcard_guru.asgi:application
    daphne -u /tmp/daphne.sock creditcard_guru.asgi:application
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcard_guru.settings")

# Set up Django (apps, settings) before anything imports models through the WebSocket routes.
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from whatif.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # Browsers send Origin on every WebSocket handshake; one not in ALLOWED_HOSTS (another
        # site's page opening a socket with this site's cookies) is refused with a 403.
        "websocket": AllowedHostsOriginValidator(
            SessionMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
