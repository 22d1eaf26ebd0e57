"""Association rules between products from who bought what, on numpy/scipy arrays.

Baskets are per customer, not per order: a customer "bought A" if any of their orders (before
the cut-off) held A, whenever it was. Rapport's customers come back and buy the complement of
what they bought weeks later (a mattress, then its pillows); an order-level basket would only
see what was bought on the same day. For each ordered pair (A, C):

- `both`: customers who bought A and C; `support = both / customers`;
- `confidence = both / buyers(A)`; `lift = confidence / (buyers(C) / customers)`;
- `followed`: customers who first bought C between the day they first bought A and `window_days`
  after it (the same order counts), among the `eligible` buyers of A: those whose first purchase
  of A was at least `window_days` before the cut-off, so that each had the whole window to do it;
  `followed_share = followed / eligible(A)` is what "38 % of those buyers bought C within 60 days"
  says.

A pair is kept when at least `min_customers` customers bought both (and `min_support` of all
customers), and for each product only its `max_per_product` most confident pairs. Nothing here
loops over customers or orders in Python: the co-occurrence counts are one sparse product
X^T X; the sequential counts come from the pairs inside the window only, made in vectorised
chunks.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse

# Ordered pairs made at once while counting sequential purchases: bounds memory (about 40 bytes a
# pair) whatever the size of the largest baskets.
PAIRS_PER_CHUNK = 8_000_000


@dataclass(frozen=True)
class Purchases:
    """One row per (customer, product): the customer key, the product id and the day number
    (days since the epoch) of the customer's first purchase of it."""

    customers: np.ndarray
    products: np.ndarray
    first_days: np.ndarray

    @classmethod
    def from_rows(cls, rows) -> "Purchases":
        """From (customer, product, first day) tuples; a pair seen twice keeps its first day."""
        array = np.array(list(rows), dtype=np.int64).reshape(-1, 3)
        return cls.from_arrays(array[:, 0], array[:, 1], array[:, 2])

    @classmethod
    def from_arrays(cls, customers, products, first_days) -> "Purchases":
        customers = np.asarray(customers, dtype=np.int64)
        products = np.asarray(products, dtype=np.int64)
        first_days = np.asarray(first_days, dtype=np.int64)
        order = np.lexsort((first_days, products, customers))
        customers, products, first_days = customers[order], products[order], first_days[order]
        keep = np.ones(len(customers), dtype=bool)
        keep[1:] = (customers[1:] != customers[:-1]) | (products[1:] != products[:-1])
        return cls(customers[keep], products[keep], first_days[keep])

    def __len__(self) -> int:
        return len(self.customers)


@dataclass(frozen=True)
class Associations:
    customers: int  # customers with at least one purchase
    product_ids: np.ndarray  # every product bought, with its counts below
    buyers: np.ndarray
    eligible: np.ndarray
    # One entry per kept pair (product -> other):
    product: np.ndarray
    other: np.ndarray
    both: np.ndarray
    support: np.ndarray
    confidence: np.ndarray
    lift: np.ndarray
    followed: np.ndarray
    followed_share: np.ndarray  # NaN where the product has no eligible buyer


def mine_associations(
    purchases: Purchases,
    *,
    as_of_day: int,
    window_days: int = 60,
    min_customers: int = 3,
    min_support: float = 0.0,
    max_per_product: int = 50,
) -> Associations:
    if len(purchases) == 0:
        empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=float)
        return Associations(
            0, empty_i, empty_i, empty_i, empty_i, empty_i, empty_i, empty_f, empty_f, empty_f,
            empty_i, empty_f,
        )  # fmt: skip
    customer_keys, rows = np.unique(purchases.customers, return_inverse=True)
    product_ids, cols = np.unique(purchases.products, return_inverse=True)
    n_customers, n_products = len(customer_keys), len(product_ids)
    bought = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n_customers, n_products)
    )
    co = (bought.T @ bought).tocoo()
    buyers = np.asarray(bought.sum(axis=0)).ravel().astype(np.int64)
    ripe = purchases.first_days <= as_of_day - window_days
    eligible = np.bincount(cols[ripe], minlength=n_products).astype(np.int64)

    threshold = max(min_customers, int(np.ceil(min_support * n_customers)))
    keep = (co.row != co.col) & (co.data >= threshold)
    a, c, both = co.row[keep].astype(np.int64), co.col[keep].astype(np.int64), co.data[keep]
    both = both.astype(np.int64)
    confidence = both / buyers[a]
    lift = confidence / (buyers[c] / n_customers)

    # The most confident pairs of each product (then the highest lift, then the most buyers).
    order = np.lexsort((-both, -lift, -confidence, a))
    a, c, both, confidence, lift = a[order], c[order], both[order], confidence[order], lift[order]
    starts = np.searchsorted(a, a, side="left")
    rank = np.arange(len(a)) - starts
    top = rank < max_per_product
    a, c, both, confidence, lift = a[top], c[top], both[top], confidence[top], lift[top]

    followed_matrix = _followed_counts(
        rows, cols, purchases.first_days, ripe, window_days, n_products
    )
    followed = np.asarray(followed_matrix[a, c]).ravel().astype(np.int64) if len(a) else both * 0
    with np.errstate(divide="ignore", invalid="ignore"):
        followed_share = np.where(eligible[a] > 0, followed / eligible[a], np.nan)

    return Associations(
        customers=n_customers,
        product_ids=product_ids,
        buyers=buyers,
        eligible=eligible,
        product=product_ids[a],
        other=product_ids[c],
        both=both,
        support=both / n_customers,
        confidence=confidence,
        lift=lift,
        followed=followed,
        followed_share=followed_share,
    )


def _followed_counts(rows, cols, days, ripe, window_days: int, n_products: int):
    """Sparse (product x product) counts of customers who first bought the column product
    0..window_days days after first buying the row product (the row purchase being ripe).

    Entries sorted by (customer, day) make each entry's partners one contiguous run, found by
    two binary searches on a (customer, day) key: only pairs inside the window are made, not
    every pair of a customer's products."""
    order = np.lexsort((days, rows))
    rows, cols, days, ripe = rows[order], cols[order], days[order], ripe[order]
    span = int(days.max() - days.min()) + window_days + 1
    key = rows.astype(np.int64) * span + (days - days.min())
    lo = np.searchsorted(key, key, side="left")
    hi = np.searchsorted(key, key + window_days, side="right")
    left_entries = np.flatnonzero(ripe)
    counts = (hi - lo)[left_entries]
    boundaries = np.cumsum(counts)
    total = sparse.csr_matrix((n_products, n_products), dtype=np.int64)
    first = 0
    while first < len(left_entries):
        # As many entries as fit in a chunk (at least one, however many partners it has).
        limit = (boundaries[first - 1] if first else 0) + PAIRS_PER_CHUNK
        last = max(first + 1, int(np.searchsorted(boundaries, limit, side="right")))
        entries = left_entries[first:last]
        sizes = counts[first:last]
        left = np.repeat(entries, sizes)
        right = np.repeat(lo[entries], sizes) + _ranges(sizes)
        keep = left != right
        total = total + sparse.csr_matrix(
            (np.ones(int(keep.sum()), dtype=np.int64), (cols[left[keep]], cols[right[keep]])),
            shape=(n_products, n_products),
        )
        first = last
    return total.tocsr()


def _ranges(sizes):
    """[0..s0-1, 0..s1-1, ...] for sizes [s0, s1, ...]."""
    sizes = np.asarray(sizes, dtype=np.int64)
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.arange(total, dtype=np.int64) - offsets
