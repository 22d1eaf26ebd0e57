"""Deal words and customer words that share an English msgid have a context each: the Chinese
kanban's lost drop zone says 输单 (a lost deal), a person's lifecycle stage still says 流失客户."""

import pytest
from django.urls import reverse
from django.utils import translation

from rapport.customers.models import LifecycleStage
from rapport.customers.services import person_create
from rapport.sales.models import DealStatus
from rapport.sales.tests.deals_fixtures import *  # noqa: F403 (fixtures)


@pytest.fixture
def alice_in_chinese(alice):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    return alice


def test_chinese_kanban_says_the_deal_word_for_lost(client, alice_in_chinese, stages):
    client.force_login(alice_in_chinese)

    html = client.get(reverse("sales:kanban", args=[stages["qualification"].pipeline_id]))
    html = html.content.decode()

    assert 'data-testid="drop-lost"><strong>输单</strong>' in html
    assert 'data-testid="drop-won"><strong>赢单</strong>' in html
    assert "流失客户" not in html


def test_chinese_lifecycle_stage_still_says_churned_customer(client, alice_in_chinese):
    person_create(
        actor=alice_in_chinese, data={"full_name": "王芳", "lifecycle_stage": LifecycleStage.LOST}
    )
    client.force_login(alice_in_chinese)

    html = client.get(reverse("customers:person_list")).content.decode()

    assert '<span class="stage">流失客户</span>' in html


def test_deal_status_and_lifecycle_stage_words_differ_in_chinese():
    with translation.override("zh-hans"):
        assert str(DealStatus.LOST.label) == "输单"
        assert str(DealStatus.WON.label) == "赢单"
        assert str(LifecycleStage.LOST.label) == "流失客户"
        assert str(LifecycleStage.CUSTOMER.label) == "成交客户"
        assert translation.gettext("Customer") == "客户"


def test_migration_renames_the_lost_stage_chinese_pipelines_were_created_with(stages):
    import importlib

    from django.apps import apps as django_apps

    from rapport.sales.models import Pipeline, Stage

    migration = importlib.import_module(
        "rapport.sales.migrations.0007_rename_lost_stage_in_chinese"
    )
    lost = stages["lost"]
    lost.name = "流失客户"
    lost.save(update_fields=["name"])
    # A pipeline whose administrator already has a stage named 输单 keeps its lost stage's name.
    other = Pipeline.objects.create(name="渠道")
    Stage.objects.create(pipeline=other, name="输单", position=1, kind="open", probability=10)
    kept = Stage.objects.create(pipeline=other, name="流失客户", position=2, kind="lost")
    # An open stage an administrator named so is not the deal status.
    chosen = Stage.objects.create(
        pipeline=lost.pipeline, name="流失客户召回", position=9, kind="open", probability=5
    )

    migration.rename_lost_stages(django_apps, None)

    lost.refresh_from_db()
    kept.refresh_from_db()
    chosen.refresh_from_db()
    assert (lost.name, kept.name, chosen.name) == ("输单", "流失客户", "流失客户召回")
