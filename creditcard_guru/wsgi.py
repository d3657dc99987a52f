"""WSGI entry point, for servers without ASGI (the live results stream needs ASGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "creditcard_guru.settings")

application = get_wsgi_application()
