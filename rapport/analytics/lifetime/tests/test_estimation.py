"""The lifetime value model against the published CDNOW estimates (tests/data/cdnow/README.md)."""

import csv
from pathlib import Path

import numpy as np
import pytest

from rapport.analytics.lifetime.estimation import (
    BgNbd,
    bgnbd_fit,
    bgnbd_log_likelihood,
    expected_purchase_value,
    expected_purchases,
    gamma_gamma_fit,
    probability_alive,
)

CDNOW = Path(__file__).resolve().parents[4] / "tests/data/cdnow"
PUBLISHED = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.fixture(scope="module")
def cdnow():
    with (CDNOW / "cdnow_customers_summary_with_transactions.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return {key: np.array([float(row[key]) for row in rows]) for key in ("x", "t_x", "T", "zbar")}


def test_bgnbd_fit_finds_the_published_cdnow_parameters(cdnow):
    fitted = bgnbd_fit(cdnow["x"], cdnow["t_x"], cdnow["T"])

    assert fitted.r == pytest.approx(PUBLISHED.r, abs=0.001)
    assert fitted.alpha == pytest.approx(PUBLISHED.alpha, abs=0.01)
    assert fitted.a == pytest.approx(PUBLISHED.a, abs=0.005)
    assert fitted.b == pytest.approx(PUBLISHED.b, abs=0.02)
    # The paper's maximum log-likelihood for this sample.
    assert bgnbd_log_likelihood(fitted, cdnow["x"], cdnow["t_x"], cdnow["T"]) == pytest.approx(
        -9582.4, abs=0.1
    )


def test_bgnbd_conditional_expectation_of_the_papers_example_customer():
    # Fader, Hardie and Lee's worked example: 2 repeat purchases, the last in week 30.43, first
    # purchase 38.86 weeks ago; 1.226 purchases expected in the next 39 weeks.
    expected = expected_purchases(PUBLISHED, 39, [2], [30.43], [38.86])

    assert expected[0] == pytest.approx(1.226, abs=0.001)


def test_a_customer_silent_for_long_after_frequent_buying_is_probably_gone():
    alive = probability_alive(PUBLISHED, [0, 10, 10], [0, 38, 5], [38.86, 38.86, 38.86])

    assert alive[0] == 1.0  # no repeat purchase: the model cannot tell a dropout from a slow buyer
    assert alive[1] > 0.9 > 0.1 > alive[2]


def test_gamma_gamma_fit_finds_the_published_cdnow_parameters(cdnow):
    fitted = gamma_gamma_fit(cdnow["x"], cdnow["zbar"])

    assert fitted.p == pytest.approx(6.25, abs=0.01)
    assert fitted.q == pytest.approx(3.74, abs=0.01)
    assert fitted.v == pytest.approx(15.44, abs=0.02)
    # One purchase of $100 is shrunk towards the population mean; many stay near their own.
    one, many, none = expected_purchase_value(fitted, [1, 20, 0], [100.0, 100.0, 0.0])
    population = fitted.p * fitted.v / (fitted.q - 1)
    assert population < one < many < 100
    assert none == pytest.approx(population)


def test_fitting_without_repeat_buyers_says_why():
    with pytest.raises(ValueError, match="repeat purchases"):
        bgnbd_fit([0, 0], [0, 0], [10, 20])
    with pytest.raises(ValueError, match="repeat purchases"):
        gamma_gamma_fit([0], [0])
