"""ASGI entry point.

Serve it with uvicorn or daphne, for example:

    uvicorn creditcard_guru.asgi:application --host 0.0.0.0 --port 8000 --workers 4
    daphne -b 0.0.0.0 -p 8000 creditcard_guru.asgi:application
    daphne -u /tmp/daphne.sock creditcard_guru.asgi:application
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcard_guru.settings")

application = get_asgi_application()
