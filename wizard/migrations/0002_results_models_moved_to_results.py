# CachedResult and StreamLease now belong to the results app (its 0001 takes over the tables and
# their rows); here they only leave the wizard's model state, nothing in the database changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("wizard", "0001_initial"),
        ("results", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CachedResult"),
                migrations.DeleteModel(name="StreamLease"),
            ],
            database_operations=[],
        ),
    ]
