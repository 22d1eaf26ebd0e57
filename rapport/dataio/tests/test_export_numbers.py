"""Exports keep machine-readable numbers in every language (docs/decisions.md): CSV a plain
decimal that re-imports, .xlsx a number cell shown with thousands separators."""

import pytest

from rapport.dataio.tests.test_exports import _csv_rows, _download, _xlsx_sheet
from rapport.sales.services.deals import deal_create


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_csv_amount_is_a_plain_decimal(client, alice, language):
    alice.language = language
    alice.save(update_fields=["language"])
    deal_create(actor=alice, data={"title": "年度采购", "amount": "1207014.00"})
    client.force_login(alice)

    _, body = _download(client, "deals", columns="title,amount", format="csv")

    assert _csv_rows(body)[1] == ["年度采购", "1207014.00"]


def test_xlsx_amount_is_a_number_shown_with_separators(client, alice):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    deal_create(actor=alice, data={"title": "年度采购", "amount": "1207014.50"})
    client.force_login(alice)

    _, body = _download(client, "deals", columns="title,amount", format="xlsx")

    _title, amount = _xlsx_sheet(body)[2]
    assert amount.data_type == "n"
    assert amount.value == pytest.approx(1207014.5)
    assert amount.number_format == "#,##0.00"
