"""The rule builder offers the customer value segment and tier, for customers and for records
that have one (a deal's person)."""

import pytest

from rapport.analytics.value.models import Segment, Tier
from rapport.automation.catalogue import fields_for


@pytest.mark.django_db
def test_the_rule_builder_offers_segment_and_tier_with_their_choices():
    person = {f.key: f for f in fields_for("person")}
    deal = {f.key: f for f in fields_for("deal")}

    assert person["value.segment"].kind == "choice"
    assert {value for value, _label in person["value.segment"].choices} == set(Segment.values)
    assert {value for value, _label in deal["value.tier"].choices} == set(Tier.values)
    assert not person["value.tier"].editable
