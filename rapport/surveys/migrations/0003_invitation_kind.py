"""Invitations carry their survey's kind, and surveys gain the complaint's confirmation."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

KINDS = [("csat", "CSAT"), ("nps", "NPS"), ("confirm", "Complaint confirmation")]


def copy_kind(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    Survey = apps.get_model("surveys", "Survey")
    Invitation.objects.update(
        kind=Subquery(Survey.objects.filter(pk=OuterRef("survey_id")).values("kind")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0002_default_csat_survey")]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="kind",
            field=models.CharField(
                choices=KINDS, default="csat", max_length=10, verbose_name="kind"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_kind, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="response",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=10, verbose_name="kind"),
        ),
        migrations.AlterField(
            model_name="survey",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=10, verbose_name="kind"),
        ),
    ]
