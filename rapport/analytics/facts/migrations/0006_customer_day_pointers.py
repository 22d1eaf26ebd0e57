"""The customer day facts' pointers (the day of the customer's row before, and the customer's
first day, over all its rows and within its team's), filled for the rows already there with one
UPDATE, before the indexes that read them are built. The SQL is a copy of
`customer_upkeep._POINTERS` as it was when this migration was written."""

from django.conf import settings
from django.db import migrations, models

TABLE = "analytics_facts_customerdayfact"
CUSTOMER = "COALESCE(person_id, -company_id, 0)"
ORDER = "day, owner_id, COALESCE(team_id, 0), currency, COALESCE(company_id, 0)"


def fill_pointers(apps, schema_editor):
    differs = "IS DISTINCT FROM" if schema_editor.connection.vendor == "postgresql" else "IS NOT"
    columns = ("prev_all", "first_all", "prev_team", "first_team")
    schema_editor.execute(
        f"""
        UPDATE {TABLE} SET {", ".join(f"{c} = w.{c}" for c in columns)}
        FROM (
            SELECT id,
                LAG(day) OVER (PARTITION BY {CUSTOMER} ORDER BY {ORDER}) AS prev_all,
                MIN(day) OVER (PARTITION BY {CUSTOMER}) AS first_all,
                LAG(day) OVER (PARTITION BY {CUSTOMER}, team_id ORDER BY {ORDER}) AS prev_team,
                MIN(day) OVER (PARTITION BY {CUSTOMER}, team_id) AS first_team
            FROM {TABLE}
        ) AS w
        WHERE {TABLE}.id = w.id AND ({" OR ".join(f"{TABLE}.{c} {differs} w.{c}" for c in columns)})
        """  # noqa: S608 (constants only)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_audit_actions_for_webhooks_site_keys_rules"),
        ("analytics_facts", "0005_interaction_rep_facts"),
        ("customers", "0004_person_more_contact_fields"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="customerdayfact",
            name="first_all",
            field=models.DateField(null=True, verbose_name="first order day"),
        ),
        migrations.AddField(
            model_name="customerdayfact",
            name="first_team",
            field=models.DateField(null=True, verbose_name="first order day in the team"),
        ),
        migrations.AddField(
            model_name="customerdayfact",
            name="prev_all",
            field=models.DateField(null=True, verbose_name="previous order day"),
        ),
        migrations.AddField(
            model_name="customerdayfact",
            name="prev_team",
            field=models.DateField(null=True, verbose_name="previous order day in the team"),
        ),
        migrations.RunPython(fill_pointers, migrations.RunPython.noop, elidable=True),
        migrations.RemoveIndex(
            model_name="customerdayfact",
            name="customer_day_fact_team_idx",
        ),
        migrations.AddIndex(
            model_name="customerdayfact",
            index=models.Index(
                fields=["day", "prev_all", "first_all"], name="customer_day_fact_flow_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="customerdayfact",
            index=models.Index(
                fields=["team", "day", "prev_team", "first_team"],
                name="customer_day_fact_tflow_idx",
            ),
        ),
    ]
