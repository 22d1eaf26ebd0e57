"""Customer lifetime value for non-contractual repeat buying: BG/NBD for how many purchases a
customer will make (and whether they are still "alive"), Gamma-Gamma for what a purchase is
worth. Pure functions over arrays, fitted by maximum likelihood with scipy; no database.

Inputs per customer, as in the papers: `x` repeat purchases (after the first) in the observation
window, `t_x` the time of the last one and `T` the time since the first purchase, both measured
from the first purchase (any unit, the same for all; weeks in the papers), and for Gamma-Gamma
`m` the mean value of the repeat purchases.

- BG/NBD: Fader, Hardie and Lee, "Counting Your Customers the Easy Way" (Marketing Science,
  2005), equations (6), (10) and (13); parameters r, alpha (purchase rate, gamma) and a, b
  (dropout probability, beta).
- Gamma-Gamma: Fader and Hardie, "The Gamma-Gamma Model of Monetary Value" (2013), equations
  (1) and (5); parameters p, q, v (called gamma there).

Why not the `lifetimes` library: docs/decisions.md ("Lifetime value").
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    v: float


def _arrays(*columns):
    return [np.asarray(column, dtype=float) for column in columns]


def bgnbd_log_likelihood(params: BgNbd, x, t_x, T, weights=None) -> float:
    """The sample's log-likelihood (the sum of equation 6's logarithm over the customers);
    `weights` counts the customers each row stands for (see `bgnbd_fit`)."""
    x, t_x, T = _arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # The second term exists only for customers with repeat purchases (delta_{x>0}).
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    per_row = a1 + a2 + np.logaddexp(a3, a4)
    return float(np.sum(per_row if weights is None else weights * per_row))


def bgnbd_fit(x, t_x, T) -> BgNbd:
    """Maximum likelihood estimates, searched on the logarithms (all four are positive)."""
    x, t_x, T = _arrays(x, t_x, T)
    if len(x) == 0 or not np.any(x > 0):
        raise ValueError("BG/NBD needs customers, some of them with repeat purchases.")

    start = np.log([1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0])
    # Customers with the same history have the same likelihood: each distinct (x, t_x, T) is
    # computed once, weighted by how many customers have it. On orders, times are whole days, so
    # the many one-time buyers share a few hundred rows; the sum is the same.
    rows, counts = np.unique(np.column_stack([x, t_x, T]), axis=0, return_counts=True)
    x, t_x, T = rows.T
    weights = counts.astype(float)

    def negative(log_params):
        return -bgnbd_log_likelihood(BgNbd(*np.exp(log_params)), x, t_x, T, weights)

    found = minimize(
        negative,
        start,
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-7},
    )
    return BgNbd(*np.exp(found.x))


def probability_alive(params: BgNbd, x, t_x, T):
    """P(the customer has not dropped out) given their history (equation 13's denominator)."""
    x, t_x, T = _arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    odds = np.where(
        x > 0,
        a / np.maximum(b + x - 1, 1e-12) * ((alpha + T) / (alpha + t_x)) ** (r + x),
        0.0,
    )
    return 1.0 / (1.0 + odds)


def expected_purchases(params: BgNbd, t, x, t_x, T):
    """Expected number of purchases in the next `t` (equation 10), given the history."""
    x, t_x, T = _arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    ratio = (alpha + T) / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    tail = 1 - ratio ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
    return head * tail * probability_alive(params, x, t_x, T)


def gamma_gamma_log_likelihood(params: GammaGamma, x, m) -> float:
    """Log-likelihood of the mean values `m` of `x` repeat purchases (customers with x > 0)."""
    x, m = _arrays(x, m)
    p, q, v = params.p, params.q, params.v
    return float(
        np.sum(
            gammaln(p * x + q)
            - gammaln(p * x)
            - gammaln(q)
            + q * np.log(v)
            + (p * x - 1) * np.log(m)
            + p * x * np.log(x)
            - (p * x + q) * np.log(x * m + v)
        )
    )


def gamma_gamma_fit(x, m) -> GammaGamma:
    """Maximum likelihood estimates over the customers with repeat purchases and a positive
    mean value (the others say nothing about the value of a purchase)."""
    x, m = _arrays(x, m)
    keep = (x > 0) & (m > 0)
    if not np.any(keep):
        raise ValueError("Gamma-Gamma needs customers with repeat purchases of some value.")
    x, m = x[keep], m[keep]

    def negative(log_params):
        return -gamma_gamma_log_likelihood(GammaGamma(*np.exp(log_params)), x, m)

    start = np.log([1.0, 1.0, max(float(np.mean(m)), 1.0)])
    found = minimize(
        negative,
        start,
        method="Nelder-Mead",
        options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-7},
    )
    return GammaGamma(*np.exp(found.x))


def expected_purchase_value(params: GammaGamma, x, m):
    """Expected value of a customer's next purchase (equation 5): their own mean, shrunk towards
    the population's as their number of purchases is small; the population's mean for x = 0."""
    x, m = _arrays(x, m)
    p, q, v = params.p, params.q, params.v
    population = p * v / (q - 1)
    weight = (p * x) / (p * x + q - 1)
    return np.where(x > 0, (1 - weight) * population + weight * m, population)
