"""Bench-only settings: the real settings, plus one route to a bare "hello" view.

Used by bench/http_bench.py through DJANGO_SETTINGS_MODULE, so the product's own URLs never
contain the hello view. Everything else (middleware, templates, database) is unchanged.
"""

from creditcard_guru.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
