"""A ticket is asked each question once (CSAT, the complaint's confirmation), and every install
has the confirmation survey that closing a complaint sends."""

from django.db import migrations, models


def create_confirmation(apps, schema_editor):
    Survey = apps.get_model("surveys", "Survey")
    if not Survey.objects.filter(kind="confirm").exists():
        Survey.objects.create(
            kind="confirm",
            name="Complaint confirmation",
            question_zh="您对我们处理您投诉的结果满意吗？",
            question_en="Are you satisfied with how we resolved your complaint?",
            quiet_days=0,
            every_days=90,
            is_active=True,
        )


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_invitation_kind")]

    operations = [
        migrations.RemoveConstraint(model_name="invitation", name="invitation_ticket_uniq"),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("ticket__isnull", False)),
                fields=("ticket", "kind"),
                name="invitation_ticket_kind_uniq",
            ),
        ),
        migrations.RunPython(create_confirmation, migrations.RunPython.noop),
    ]
