"""The table of the database cache (settings.CACHES, DJANGO_CACHE_URL=db://, the default).

Rendered catalog pages are cached there, keyed by the catalog version (docs/performance.md,
issue 14). A migration, so `manage.py migrate` is all a deployment runs; createcachetable does
nothing for a Redis or Memcached cache, or when the table exists.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_evidence_status_issuer_rules_reports")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
