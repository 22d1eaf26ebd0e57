import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("customers", "0002_list_sort_indexes"),
        ("dataio", "0004_dedup"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataHealthSnapshot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(verbose_name="date")),
                ("metrics", models.JSONField(default=dict, verbose_name="figures")),
                ("created_at", models.DateTimeField(auto_now=True, verbose_name="created at")),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                        verbose_name="team",
                    ),
                ),
            ],
            options={
                "verbose_name": "data health snapshot",
                "verbose_name_plural": "data health snapshots",
                "ordering": ["date", "id"],
                "indexes": [models.Index(fields=["team", "date"], name="health_snapshot_team_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("team__isnull", False)),
                        fields=("date", "team"),
                        name="health_snapshot_team_day_unique",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("team__isnull", True)),
                        fields=("date",),
                        name="health_snapshot_overall_day_unique",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="InvalidContact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("phone", "Phone"), ("email", "Email")],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("value", models.CharField(max_length=254, verbose_name="value")),
                ("checked_at", models.DateTimeField(auto_now_add=True, verbose_name="checked at")),
                (
                    "company",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
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
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="customers.person",
                    ),
                ),
            ],
            options={
                "verbose_name": "invalid contact",
                "verbose_name_plural": "invalid contacts",
                "indexes": [
                    models.Index(fields=["person", "kind"], name="invalid_contact_person_idx"),
                    models.Index(fields=["company", "kind"], name="invalid_contact_company_idx"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("person__isnull", False), ("company__isnull", True)),
                            models.Q(("person__isnull", True), ("company__isnull", False)),
                            _connector="OR",
                        ),
                        name="invalid_contact_belongs_to_one_record",
                    )
                ],
            },
        ),
    ]
