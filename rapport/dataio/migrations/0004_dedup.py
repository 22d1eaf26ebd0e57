import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dataio", "0003_imports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DuplicateCandidate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "record_type",
                    models.CharField(
                        choices=[("person", "Person"), ("company", "Company")],
                        max_length=10,
                        verbose_name="record type",
                    ),
                ),
                ("first_id", models.BigIntegerField(verbose_name="first record")),
                ("second_id", models.BigIntegerField(verbose_name="second record")),
                ("score", models.PositiveSmallIntegerField(verbose_name="score")),
                ("reasons", models.JSONField(default=list, verbose_name="reasons")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Open"),
                            ("merged", "Merged"),
                            ("dismissed", "Not a duplicate"),
                        ],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                (
                    "found_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="found at"
                    ),
                ),
                (
                    "resolved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="resolved at"),
                ),
                (
                    "resolved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="resolved by",
                    ),
                ),
            ],
            options={
                "verbose_name": "duplicate candidate",
                "verbose_name_plural": "duplicate candidates",
                "indexes": [
                    models.Index(
                        fields=["record_type", "status", "-score", "id"],
                        name="duplicate_queue_idx",
                    ),
                    models.Index(fields=["record_type", "second_id"], name="duplicate_second_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("record_type", "first_id", "second_id"),
                        name="duplicate_pair_unique",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("first_id__lt", models.F("second_id"))),
                        name="duplicate_pair_ordered",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("score__lte", 100)),
                        name="duplicate_score_at_most_100",
                    ),
                ],
            },
        ),
    ]
