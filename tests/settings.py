"""Settings for the test run: production settings, plus what a plain-HTTP test client needs."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-a8f3b2c9d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f"
)
# The Django test client speaks plain HTTP; the HTTPS redirect has its own test.
os.environ.setdefault("DJANGO_HTTPS", "0")

from creditcard_guru.settings import *  # noqa: E402,F403

# Tests render templates without running collectstatic first; the manifest storage is exercised
# by the real-server tests, which collect static files for real.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# WhiteNoise serves from the finders in tests and only needs STATIC_ROOT to exist.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = Path(tempfile.gettempdir()) / "creditcard-guru-test-static"
STATIC_ROOT.mkdir(exist_ok=True)
# In-process tests run requests through the ASGI handler's long-lived threads, which outlive a
# test: a connection kept open there would keep PostgreSQL from dropping the test database.
# Production keeps them (DJANGO_DB_CONN_MAX_AGE, 60 by default; the real-server tests run it).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
