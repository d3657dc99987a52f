# The results models moved here from the wizard app. Their tables already exist (made by
# wizard's 0001) and hold data: the state takes them over as they are, then the tables and the
# lease index are renamed to this app's names, keeping every row.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("wizard", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StreamLease",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("client_ip", models.GenericIPAddressField()),
                        ("token", models.CharField(max_length=32)),
                        ("started_at", models.DateTimeField(auto_now_add=True)),
                        ("expires_at", models.DateTimeField()),
                    ],
                    options={
                        "db_table": "wizard_streamlease",
                        "indexes": [
                            models.Index(
                                fields=["client_ip", "expires_at"],
                                name="wizard_stre_client__23a490_idx",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CachedResult",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("fingerprint", models.CharField(max_length=64)),
                        ("catalog_version", models.CharField(max_length=64)),
                        ("key", models.CharField(max_length=40)),
                        ("payload", models.JSONField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "profile",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="wizard.spendingprofile",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "wizard_cachedresult",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("profile", "fingerprint", "catalog_version", "key"),
                                name="one_cached_result_per_key",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="streamlease", table=None),
        migrations.AlterModelTable(name="cachedresult", table=None),
        migrations.RenameIndex(
            model_name="streamlease",
            new_name="results_str_client__78df38_idx",
            old_name="wizard_stre_client__23a490_idx",
        ),
    ]
