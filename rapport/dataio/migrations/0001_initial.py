from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "__first__"), ("customers", "__first__"), ("sales", "__first__"), ("activities", "__first__")]

    operations = []
