"""The in-memory grouping behind the summary's breakdowns: distinct counts, exact fen sums,
rows without a value, and no rows at all."""

from __future__ import annotations

from decimal import Decimal

from app.reports.facts import KEYS, Facts


def row(enterprise, bank, amount, disbursed="0", **values):
    keyed = {key: None for key in KEYS} | {"bank": bank} | values
    fen = int(Decimal(amount) * 100), int(Decimal(disbursed) * 100)
    return (enterprise, bank, *fen, *[keyed[k] for k in KEYS])


def test_groups_count_distinct_enterprises_and_banks_and_sum_to_the_fen():
    facts = Facts(
        [
            row(1, 10, "1000000.01", "500000.00", size="small", event=7),
            row(1, 10, "2000000.02", size="small", event=7),
            row(2, 11, "0.03", "0.03", size="micro"),
            row(3, 10, "123456789.99", size="small"),
        ]
    )
    by_size = {g.key: g for g in facts.grouped("size")}
    assert (by_size["small"].enterprises, by_size["small"].banks) == (2, 1)
    assert by_size["small"].agreements == 3
    assert by_size["small"].amount == Decimal("126456790.02")
    assert by_size["micro"].disbursed == Decimal("0.03")
    by_event = {g.key: g for g in facts.grouped("event")}
    assert set(by_event) == {7, None} and by_event[None].agreements == 2
    total = facts.totals()
    assert (total.enterprises, total.banks, total.agreements) == (3, 2, 4)
    assert total.amount == sum((g.amount for g in facts.grouped("bank")), Decimal(0))
    assert total.amount == Decimal("126456790.05")


def test_no_rows_no_groups():
    facts = Facts([])
    assert facts.grouped("bank") == []
    assert facts.totals().amount == Decimal("0.00") and facts.totals().enterprises == 0


def test_sums_beyond_float_precision_stay_exact(monkeypatch):
    from app.reports import facts as module

    rows = [row(1, 10, "0.01", size="small"), row(2, 10, "90071992547409.93", size="small")]
    expected = Decimal("90071992547409.94")
    assert Facts(rows).grouped("size")[0].amount == expected
    monkeypatch.setattr(module, "EXACT_FLOAT_LIMIT", 0)  # force the integer path
    assert Facts(rows).grouped("size")[0].amount == expected
