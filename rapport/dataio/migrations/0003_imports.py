from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("dataio", "0002_exports")]

    operations = []
