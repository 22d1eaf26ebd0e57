"""The CSAT survey every install starts with, so a resolved ticket asks its customer from the
first day; administrators may reword, pause or replace it."""

from django.db import migrations


def create_default(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    if not Survey.objects.filter(kind="csat").exists():
        Survey.objects.create(
            kind="csat",
            name="CSAT",
            question_zh="您对本次获得的帮助满意吗？",
            question_en="How satisfied are you with the help you received?",
            quiet_days=7,
            every_days=90,
            is_active=True,
        )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
