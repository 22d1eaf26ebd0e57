import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from rapport.core.formats import format_date, format_datetime, format_money


def render(source: str, **context) -> str:
    return Template("{% load rapport %}" + source).render(Context(context))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_money_groups_thousands_in_both_languages(language):
    with translation.override(language):
        assert format_money(Decimal("1207014")) == "1,207,014.00"
        assert format_money(Decimal("1207014"), "CNY") == "1,207,014.00 CNY"
        assert format_money(Decimal("-1234.5")) == "-1,234.50"
        assert format_money(0) == "0.00"


def test_money_rounds_half_up_without_a_float():
    assert format_money(Decimal("0.005")) == "0.01"
    assert format_money(Decimal("2.675")) == "2.68"  # float(2.675) would give 2.67
    assert format_money(Decimal("99999999999999.995")) == "100,000,000,000,000.00"
    assert format_money(Decimal("-0.001")) == "0.00"


def test_money_of_nothing_is_a_dash():
    assert format_money(None) == "—"
    assert format_money("") == "—"
    assert format_money("not a number") == "—"
    assert format_money(None, "CNY") == "—"


def test_money_filter_in_a_template():
    with translation.override("zh-hans"):
        assert render("{{ a|money }}", a=Decimal("200000.00")) == "200,000.00"
        assert render("{{ a|money:c }}", a=Decimal("1207014"), c="CNY") == "1,207,014.00 CNY"
        assert render("{{ a|money:c }}", a=None, c="CNY") == "—"
        assert render("{{ a|money:c }}", a=Decimal("5"), c="") == "5.00"


def test_ids_are_not_grouped():
    # USE_THOUSAND_SEPARATOR stays off: a plain {{ pk }} in a URL or input stays 1234567.
    with translation.override("en"):
        assert render("{{ pk }}", pk=1234567) == "1234567"


def test_one_date_and_datetime_format_per_language(settings):
    moment = timezone.make_aware(
        datetime.datetime(2026, 12, 6, 17, 54), timezone.get_fixed_timezone(480)
    )
    settings.TIME_ZONE = "Asia/Shanghai"
    with timezone.override("Asia/Shanghai"):
        with translation.override("zh-hans"):
            assert format_date(moment.date()) == "2026-12-06"
            assert format_datetime(moment) == "2026-12-06 17:54"
            assert render('{{ d|date:"SHORT_DATETIME_FORMAT" }}', d=moment) == "2026-12-06 17:54"
            assert render("{{ d|date }}", d=moment) == "2026-12-06"
        with translation.override("en"):
            assert format_date(moment.date()) == "Dec 6, 2026"
            assert format_datetime(moment) == "Dec 6, 2026, 17:54"
            assert render('{{ d|date:"SHORT_DATETIME_FORMAT" }}', d=moment) == "Dec 6, 2026, 17:54"
            assert render('{{ d|date:"DATETIME_FORMAT" }}', d=moment) == "Dec 6, 2026, 17:54"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_inputs_render_iso(language):
    from django import forms

    class F(forms.Form):
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
        at = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    with translation.override(language):
        form = F(
            initial={
                "day": datetime.date(2026, 12, 6),
                "at": datetime.datetime(2026, 12, 6, 17, 54),
            }
        )
        html = str(form)
        assert 'value="2026-12-06"' in html
        assert 'value="2026-12-06T17:54"' in html
        bound = F(data={"day": "2026-12-06", "at": "2026-12-06T17:54"})
        assert bound.is_valid(), bound.errors


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_counts_group_thousands_with_the_number_filter(language):
    from rapport.core.formats import format_number

    with translation.override(language):
        assert format_number(1234567) == "1,234,567"
        assert render("{{ n|number }}", n=1000000) == "1,000,000"
        assert render("{{ n|number }}", n=12) == "12"
