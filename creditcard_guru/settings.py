"""Django settings, read from environment variables (see the README's table of variables)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from creditcard_guru.env import cache_from_url, envbool, envchoice, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DJANGO_DEBUG", False)

SECRET_KEY = envstr("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. It is required when DJANGO_DEBUG is off: set it to a "
            "long random string, e.g. the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    # Development only: sessions are not worth protecting on a DEBUG machine.
    SECRET_KEY = "django-insecure-development-only-key-never-used-with-debug-off"

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so runserver also serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "web",
    "channels",
    "catalog",
    "wizard",
    "results",
    "whatif",
    "plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "web.headers.PrivacyHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML only, never the event stream; after WhiteNoise, whose files come compressed already.
    "web.compression.HtmlGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "web.dbdown.DatabaseDownMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "creditcard_guru.urls"
WSGI_APPLICATION = "creditcard_guru.wsgi.application"
ASGI_APPLICATION = "creditcard_guru.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Kept open between requests: the ASGI handler lends requests long-lived threads
        # (web/handler.py), each with at most one connection (12 per worker process), so a page
        # no longer opens one (about half of a cached card list's time). Work that runs outside
        # those threads (event streams, what-if sockets) closes its connection itself.
        conn_max_age=envint("DJANGO_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several uvicorn workers share one SQLite file: WAL lets readers run beside a writer, and
    # IMMEDIATE transactions plus a busy timeout queue writers instead of failing with "locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rendered catalog pages and results pages, keyed by the catalog version (web/pagecache.py), in
# a cache every worker and host shares: the database by default (a migration makes its table),
# Redis or Memcached by URL for bigger deployments.
# In front of it, each process keeps the pages it served last in its own memory ("pages":
# Django's LocMemCache, a bounded LRU, keeping the page objects rather than pickles: see
# web/memorycache.py): a page's key holds every version it depends on, so a copy kept here is
# never stale, and a hit costs no trip to the shared cache, no decompression, no unpickling.
CACHES = {
    "default": cache_from_url(envstr("DJANGO_CACHE_URL", "db://")),
    "pages": {
        "BACKEND": "web.memorycache.ObjectsInMemoryCache",
        "LOCATION": "pages",
        "TIMEOUT": 3600,
        # Results pages are the largest (about 50 KB): at most ~10 MB per process.
        "OPTIONS": {"MAX_ENTRIES": envint("DJANGO_PAGES_IN_MEMORY", 200, minimum=1)},
    },
}

# Admin sign-in throttling (django-axes): failures are counted in the database, so the limit
# holds across workers and hosts. After ADMIN_LOGIN_FAILURES failures from one address, or for
# one user name, sign-in is refused for DJANGO_ADMIN_LOCKOUT_MINUTES (a successful sign-in
# clears the count). Locking by user name lets anyone delay an editor's sign-in, the price of
# stopping guesses spread over many addresses; `manage.py axes_reset_username NAME` lifts it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("DJANGO_ADMIN_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("DJANGO_ADMIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "web.client.client_ip"
AXES_LOCKOUT_TEMPLATE = "locked_out.html"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS: on by default in production; DJANGO_HTTPS=0 serves plain HTTP (e.g. `make run` on
# localhost), where a Secure cookie or an HSTS header would break the site.
HTTPS = envbool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = envbool("DJANGO_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if envbool("DJANGO_BEHIND_PROXY", False):
    # Only behind a proxy that always sets this header itself; otherwise clients could forge it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features the site never uses, switched off for it and anything it might embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# Pages under these URL namespaces show or take a person's answers: Cache-Control: no-store.
PRIVATE_URL_NAMESPACES = ("wizard", "results", "plans")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# The what-if panel's WebSocket: 'self' covers it in CSP 3 browsers, older ones (Safari before
# 15.4) need the ws:/wss: sources spelled out. Any port, since the site may sit behind a proxy on
# another port than the server's; wss: only when the site is served over HTTPS. ("*" and IPv6
# literals have no CSP host-source form: 'self' alone covers them.)
WEBSOCKET_SOURCES = [
    f"{scheme}://{'*' + host if host.startswith('.') else host}:*"
    for host in ALLOWED_HOSTS
    if host != "*" and not host.startswith("[")
    for scheme in (("wss",) if HTTPS else ("ws", "wss"))
]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF, *WEBSOCKET_SOURCES],
        "font-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

LOG_LEVEL = envchoice("DJANGO_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOGGING = {
    "version": 1,
    # uvicorn and daphne configure their own loggers before Django starts; keep them working.
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    # Results links are keys to someone's answers: never whole in a log ("Not Found: /results/…").
    "filters": {"hide_tokens": {"()": "web.logs.HideTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["hide_tokens"],
        },
    },
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "creditcard_guru": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "catalog": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "wizard": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "results": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "whatif": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# Request bodies (docs/design.md, safety): web/bodylimit.py bounds every body before Django reads
# it, and keeps it in memory, so a statement upload never touches the disk. Every path allows
# DJANGO_REQUEST_MAX_BYTES except the statement import, which allows its largest upload: 10 files
# of 5 MB plus form overhead (statements/limits.py; the wizard's system check wizard.E001 fails if
# the two drift apart). A reverse proxy should cap bodies at that (nginx: client_max_body_size
# 51m) so the biggest never even reach a worker.
REQUEST_MAX_BYTES = envint("DJANGO_REQUEST_MAX_BYTES", 1024 * 1024, minimum=64 * 1024)
STATEMENT_IMPORT_MAX_BYTES = 50 * 1024 * 1024 + 512 * 1024
# Imports one worker reads into memory at once (each holds up to about twice its size while it
# is read); further ones wait up to 10 seconds, then get 503.
UPLOADS_PER_WORKER = envint("DJANGO_UPLOADS_PER_WORKER", 2, minimum=1)
# A request body that sends nothing for this long is dropped (408): slow senders cannot hold a
# worker's upload slots.
REQUEST_BODY_IDLE_SECONDS = envint("DJANGO_REQUEST_BODY_IDLE_SECONDS", 30, minimum=1)

# Live results stream limits (docs/design.md section 9): per client address, across all workers.
RESULTS_STREAMS_PER_IP = envint("DJANGO_RESULTS_STREAMS_PER_IP", 6, minimum=1)
RESULTS_STREAM_MAX_SECONDS = envint("DJANGO_RESULTS_STREAM_MAX_SECONDS", 120, minimum=1)
# Without JavaScript, insights are computed inside the request for at most this long; the page
# then reloads itself to carry on.
RESULTS_INLINE_SECONDS = envint("DJANGO_RESULTS_INLINE_SECONDS", 6, minimum=1)
# Engine runs one web worker process does at once; further streams wait their turn.
RESULTS_COMPUTATIONS_PER_WORKER = envint("DJANGO_RESULTS_COMPUTATIONS_PER_WORKER", 2, minimum=1)
# Engine processes per web worker process (started on the first search): searches run there, off
# the worker's event loop and its GIL. As many as the computation slots, so no slot waits for a
# process; on a 2-core machine, 2 (one per core while two searches run at once).
RESULTS_ENGINE_PROCESSES = envint(
    "DJANGO_RESULTS_ENGINE_PROCESSES", RESULTS_COMPUTATIONS_PER_WORKER, minimum=1
)
RESULTS_STREAM_HEARTBEAT_SECONDS = envint("DJANGO_RESULTS_STREAM_HEARTBEAT_SECONDS", 15, minimum=1)

# Live what-if sockets (docs/design.md section 11). Nothing is broadcast between sockets, so there
# is no CHANNEL_LAYERS: each socket talks only to its own page.
WHATIF_SOCKETS_PER_IP = envint("DJANGO_WHATIF_SOCKETS_PER_IP", 8, minimum=1)
WHATIF_IDLE_SECONDS = envint("DJANGO_WHATIF_IDLE_SECONDS", 300, minimum=1)
WHATIF_MAX_SECONDS = envint("DJANGO_WHATIF_MAX_SECONDS", 1800, minimum=1)

# Wizard answers and cached results live in the database, so any worker can serve any request
# (wizard/sessions.py: Django's database sessions, read by key with the SQL compiled once and
# with the spend of the profile the session names in the same statement).
SESSION_ENGINE = "wizard.sessions"
