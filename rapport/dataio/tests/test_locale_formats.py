"""Dates inside data-management texts follow the reader's date format."""

from django.utils import translation

from rapport.dataio.services.dedup.scoring import reason_text


def test_duplicate_birthday_reason_reads_in_the_locales_date_format():
    with translation.override("en"):
        assert (
            reason_text("birthday_same", 10, {"date": "1990-03-05"}) == "Same birthday Mar 5, 1990"
        )
        assert reason_text("birthday_different", 0, {"a": "1990-03-05", "b": "bad"}).endswith(
            "Mar 5, 1990 / bad"
        )
    with translation.override("zh-hans"):
        assert "1990-03-05" in reason_text("birthday_same", 10, {"date": "1990-03-05"})
