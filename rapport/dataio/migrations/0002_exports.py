import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dataio", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ExportLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("record_type", models.CharField(choices=[("persons", "Persons"), ("companies", "Companies"), ("interactions", "Interactions"), ("leads", "Leads"), ("deals", "Deals"), ("orders", "Orders")], max_length=20, verbose_name="records")),
                ("file_format", models.CharField(choices=[("csv", "CSV (UTF-8, opens in Excel)"), ("csv_gbk", "CSV (GBK, for older Excel)"), ("xlsx", "Excel workbook (.xlsx)")], max_length=10, verbose_name="format")),
                ("filters", models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name="filters")),
                ("columns", models.JSONField(default=list, verbose_name="columns")),
                ("via_api", models.BooleanField(default=False, verbose_name="through the API")),
                ("row_count", models.PositiveIntegerField(default=0, verbose_name="rows")),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="started at")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="user")),
            ],
            options={
                "verbose_name": "export",
                "verbose_name_plural": "exports",
                "indexes": [models.Index(fields=["started_at", "id"], name="export_started_idx"), models.Index(fields=["user", "started_at"], name="export_user_idx")],
            },
        ),
    ]
