"""The database cache table (settings.CACHES) that holds the sign-in throttling counts.

Django creates a cache table with `manage.py createcachetable`; running that command here makes
`migrate`, which every install and upgrade runs, create it too. It skips a table that exists.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_audit_event")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
