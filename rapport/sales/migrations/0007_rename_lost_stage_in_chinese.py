"""Default pipelines created in Chinese named their lost stage 流失客户 ("churned customer"), the
word of the lifecycle stage, because both shared one msgid. Stage names are data, so the word
stays in existing databases until renamed: rename the lost stages still carrying it to 输单, the
deal-status word (a name an administrator chose is left alone)."""

from django.db import migrations

OLD_NAME = "流失客户"
NEW_NAME = "输单"


def rename_lost_stages(apps, schema_editor):
    _rename(apps.get_model("sales", "Stage"), OLD_NAME, NEW_NAME)


def restore_lost_stages(apps, schema_editor):
    _rename(apps.get_model("sales", "Stage"), NEW_NAME, OLD_NAME)


def _rename(Stage, old: str, new: str) -> None:
    # Stage names are unique per pipeline: a pipeline that already has a stage with the new
    # name keeps its lost stage as it is.
    taken = Stage.objects.filter(name=new).values("pipeline_id")
    Stage.objects.filter(kind="lost", name=old).exclude(pipeline_id__in=taken).update(name=new)


class Migration(migrations.Migration):
    dependencies = [("sales", "0006_order_status_index_with_id")]

    operations = [migrations.RunPython(rename_lost_stages, restore_lost_stages)]
