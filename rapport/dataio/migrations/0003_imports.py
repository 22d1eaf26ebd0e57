import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_list_sort_indexes"),
        ("dataio", "0002_exports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "target",
                    models.CharField(
                        choices=[("persons", "Persons"), ("companies", "Companies")],
                        max_length=20,
                        verbose_name="records",
                    ),
                ),
                ("original_name", models.CharField(max_length=255, verbose_name="file")),
                ("stored_path", models.CharField(max_length=255)),
                ("size", models.BigIntegerField(default=0, verbose_name="size")),
                ("file_format", models.CharField(blank=True, max_length=10, verbose_name="format")),
                ("encoding", models.CharField(blank=True, max_length=30, verbose_name="encoding")),
                ("delimiter", models.CharField(blank=True, max_length=5)),
                ("columns", models.JSONField(blank=True, default=list)),
                ("sample", models.JSONField(blank=True, default=list)),
                ("mapping", models.JSONField(blank=True, default=dict, verbose_name="mapping")),
                ("defaults", models.JSONField(blank=True, default=dict, verbose_name="defaults")),
                (
                    "mode",
                    models.CharField(
                        choices=[
                            ("create", "Create new records only"),
                            ("update", "Update existing records only"),
                            ("upsert", "Update existing, create the others"),
                        ],
                        default="create",
                        max_length=10,
                        verbose_name="mode",
                    ),
                ),
                (
                    "match_on",
                    models.CharField(
                        choices=[
                            ("email", "Email"),
                            ("phone", "Phone"),
                            ("external_id", "External ID"),
                            ("name", "Name"),
                        ],
                        default="email",
                        max_length=20,
                        verbose_name="match on",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("uploaded", "Uploaded"),
                            ("mapped", "Mapped"),
                            ("dry_running", "Dry run in progress"),
                            ("dry_run_done", "Dry run done"),
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                            ("undoing", "Being undone"),
                            ("undone", "Undone"),
                        ],
                        default="uploaded",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                ("dry_run", models.JSONField(blank=True, default=dict)),
                ("rows_total", models.BigIntegerField(default=0, verbose_name="rows (estimate)")),
                ("rows_done", models.BigIntegerField(default=0, verbose_name="rows done")),
                ("created_count", models.BigIntegerField(default=0, verbose_name="created")),
                ("updated_count", models.BigIntegerField(default=0, verbose_name="updated")),
                (
                    "skipped_count",
                    models.BigIntegerField(default=0, verbose_name="skipped as duplicates"),
                ),
                ("rejected_count", models.BigIntegerField(default=0, verbose_name="rejected")),
                ("rejected_offset", models.BigIntegerField(default=0)),
                ("source_offset", models.BigIntegerField(blank=True, null=True)),
                ("worker", models.CharField(blank=True, max_length=100)),
                ("heartbeat_at", models.DateTimeField(blank=True, null=True)),
                ("run_started_at", models.DateTimeField(blank=True, null=True)),
                ("run_rows_start", models.BigIntegerField(default=0)),
                (
                    "started_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="started at"),
                ),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="finished at"),
                ),
                (
                    "undone_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="undone at"),
                ),
                ("purged_at", models.DateTimeField(blank=True, null=True)),
                ("error", models.TextField(blank=True, verbose_name="error")),
                (
                    "actor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="imported by",
                    ),
                ),
            ],
            options={
                "verbose_name": "import",
                "verbose_name_plural": "imports",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ImportMapping",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "target",
                    models.CharField(
                        choices=[("persons", "Persons"), ("companies", "Companies")],
                        max_length=20,
                        verbose_name="records",
                    ),
                ),
                ("mapping", models.JSONField(default=dict, verbose_name="mapping")),
                ("defaults", models.JSONField(blank=True, default=dict, verbose_name="defaults")),
                (
                    "mode",
                    models.CharField(
                        choices=[
                            ("create", "Create new records only"),
                            ("update", "Update existing records only"),
                            ("upsert", "Update existing, create the others"),
                        ],
                        default="create",
                        max_length=10,
                        verbose_name="mode",
                    ),
                ),
                (
                    "match_on",
                    models.CharField(
                        choices=[
                            ("email", "Email"),
                            ("phone", "Phone"),
                            ("external_id", "External ID"),
                            ("name", "Name"),
                        ],
                        default="email",
                        max_length=20,
                        verbose_name="match on",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="owner",
                    ),
                ),
            ],
            options={
                "verbose_name": "saved mapping",
                "verbose_name_plural": "saved mappings",
                "ordering": ["name", "id"],
            },
        ),
        migrations.CreateModel(
            name="ImportRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=10)),
                ("object_id", models.BigIntegerField()),
                (
                    "action",
                    models.CharField(
                        choices=[("created", "Created"), ("updated", "Updated")], max_length=10
                    ),
                ),
                ("before", models.JSONField(blank=True, null=True)),
                (
                    "job",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="records",
                        to="dataio.importjob",
                    ),
                ),
            ],
            options={
                "verbose_name": "imported record",
                "verbose_name_plural": "imported records",
            },
        ),
        migrations.CreateModel(
            name="ImportedKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "target",
                    models.CharField(
                        choices=[("persons", "Persons"), ("companies", "Companies")], max_length=20
                    ),
                ),
                ("key", models.CharField(max_length=100, verbose_name="external ID")),
                (
                    "company",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.company",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.person",
                    ),
                ),
            ],
            options={
                "verbose_name": "external ID",
                "verbose_name_plural": "external IDs",
                "constraints": [
                    models.UniqueConstraint(fields=("target", "key"), name="imported_key_unique"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("person__isnull", False), ("company__isnull", True)),
                            models.Q(("person__isnull", True), ("company__isnull", False)),
                            _connector="OR",
                        ),
                        name="imported_key_one_record",
                    ),
                ],
            },
        ),
        migrations.AddIndex(
            model_name="importjob",
            index=models.Index(fields=["actor", "created_at"], name="import_actor_created_idx"),
        ),
        migrations.AddIndex(
            model_name="importjob",
            index=models.Index(fields=["created_at", "id"], name="import_created_idx"),
        ),
        migrations.AddIndex(
            model_name="importjob",
            index=models.Index(fields=["status", "heartbeat_at"], name="import_status_beat_idx"),
        ),
        migrations.AddConstraint(
            model_name="importmapping",
            constraint=models.UniqueConstraint(
                fields=("owner", "target", "name"), name="import_mapping_name_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="importrecord",
            constraint=models.UniqueConstraint(
                fields=("job", "kind", "object_id"), name="import_record_unique"
            ),
        ),
    ]
