"""The counted agreements of one filter set, read once and grouped in memory.

Nine breakdowns each counting distinct enterprises and banks cost nine scans with
`count(DISTINCT …)` in SQL (seconds at province scale); one read of the rows and NumPy
grouping give the same figures in a fraction of that. Amounts stay exact: they are summed
as integer fen and turned back into Decimal yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

FEN = Decimal("0.01")
EXACT_FLOAT_LIMIT = 2**53
KEYS = (
    "bank",
    "branch",
    "bank_type",
    "section",
    "size",
    "region",
    "month",
    "guarantee",
    "product_type",
    "event",
)


@dataclass(frozen=True)
class Group:
    key: object
    enterprises: int
    banks: int
    agreements: int
    amount: Decimal
    disbursed: Decimal


class Facts:
    """Rows of (enterprise id, bank id, amount in fen, disbursed in fen, and one value per
    breakdown key in KEYS order)."""

    def __init__(self, rows: list[tuple]):
        columns = list(zip(*rows, strict=True)) if rows else [()] * (4 + len(KEYS))
        self.size = len(rows)
        self.enterprise = np.asarray(columns[0], dtype=np.int64)
        self.bank = np.asarray(columns[1], dtype=np.int64)
        self.amount = np.asarray(columns[2], dtype=np.int64)
        self.disbursed = np.asarray(columns[3], dtype=np.int64)
        self._values = dict(zip(KEYS, columns[4:], strict=True))

    def totals(self, where: np.ndarray | None = None) -> Group:
        """The whole set, or the rows `where` (a boolean mask) selects."""
        if where is None:
            where = np.ones(self.size, dtype=bool)
        return Group(
            None,
            len(np.unique(self.enterprise[where])),
            len(np.unique(self.bank[where])),
            int(where.sum()),
            Decimal(int(self.amount[where].sum())) * FEN,
            Decimal(int(self.disbursed[where].sum())) * FEN,
        )

    def where_in(self, name: str, values) -> np.ndarray:
        """A mask of the rows whose `name` is one of `values`."""
        allowed = set(values)
        return np.fromiter((v in allowed for v in self._values[name]), dtype=bool, count=self.size)

    def grouped(self, name: str) -> list[Group]:
        """One group per value of `name` (None for rows without one)."""
        if not self.size:
            return []
        codes, keys = self._codes(name)
        n = len(keys)
        amount = self._sum(codes, self.amount, n)
        disbursed = self._sum(codes, self.disbursed, n)
        agreements = np.bincount(codes, minlength=n)
        enterprises = self._distinct(codes, self.enterprise, n)
        banks = self._distinct(codes, self.bank, n)
        return [
            Group(
                keys[i],
                int(enterprises[i]),
                int(banks[i]),
                int(agreements[i]),
                Decimal(int(amount[i])) * FEN,
                Decimal(int(disbursed[i])) * FEN,
            )
            for i in range(n)
        ]

    def _codes(self, name: str) -> tuple[np.ndarray, list]:
        """Each row's group number, and the group keys."""
        values = self._values[name]
        keys = list(set(values))
        index = {key: i for i, key in enumerate(keys)}
        return np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=self.size), keys

    @staticmethod
    def _sum(codes: np.ndarray, fen: np.ndarray, n: int) -> np.ndarray:
        """Sums of integer fen per group. Float addition of integers is exact below 2**53
        fen (90 trillion yuan); beyond that the slower integer path is taken."""
        if int(np.abs(fen).sum()) < EXACT_FLOAT_LIMIT:
            return np.rint(np.bincount(codes, weights=fen, minlength=n)).astype(np.int64)
        sums = np.zeros(n, dtype=np.int64)
        np.add.at(sums, codes, fen)
        return sums

    @staticmethod
    def _distinct(codes: np.ndarray, ids: np.ndarray, n: int) -> np.ndarray:
        span = int(ids.max()) + 1
        pairs = np.unique(codes * span + ids)
        return np.bincount(pairs // span, minlength=n)
