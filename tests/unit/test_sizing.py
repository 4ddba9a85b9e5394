"""Size classification by 工信部联企业〔2011〕300号, every row at and around its boundaries.

The thresholds below are typed from the standard again, independently of app/reference/sizes.py,
so a wrong figure in the data table fails here.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.enterprises.sizing import classify
from app.models.enums import EnterpriseSize

E, R, A = "employees", "revenue", "assets"
# industry code: (中小微 ceiling, 中型 floors, 小型 floors)
STANDARD = {
    "01": ({R: 20000}, {R: 500}, {R: 50}),
    "05": ({R: 20000}, {R: 500}, {R: 50}),
    "06": ({E: 1000, R: 40000}, {E: 300, R: 2000}, {E: 20, R: 300}),
    "13": ({E: 1000, R: 40000}, {E: 300, R: 2000}, {E: 20, R: 300}),
    "44": ({E: 1000, R: 40000}, {E: 300, R: 2000}, {E: 20, R: 300}),
    "48": ({R: 80000, A: 80000}, {R: 6000, A: 5000}, {R: 300, A: 300}),
    "51": ({E: 200, R: 40000}, {E: 20, R: 5000}, {E: 5, R: 1000}),
    "52": ({E: 300, R: 20000}, {E: 50, R: 500}, {E: 10, R: 100}),
    "53": ({E: 1000, R: 30000}, {E: 300, R: 3000}, {E: 20, R: 200}),
    "58": ({E: 1000, R: 30000}, {E: 300, R: 3000}, {E: 20, R: 200}),
    "59": ({E: 200, R: 30000}, {E: 100, R: 1000}, {E: 20, R: 100}),
    "60": ({E: 1000, R: 30000}, {E: 300, R: 2000}, {E: 20, R: 100}),
    "61": ({E: 300, R: 10000}, {E: 100, R: 2000}, {E: 10, R: 100}),
    "62": ({E: 300, R: 10000}, {E: 100, R: 2000}, {E: 10, R: 100}),
    "63": ({E: 2000, R: 100000}, {E: 100, R: 1000}, {E: 10, R: 100}),
    "64": ({E: 2000, R: 100000}, {E: 100, R: 1000}, {E: 10, R: 100}),
    "65": ({E: 300, R: 10000}, {E: 100, R: 1000}, {E: 10, R: 50}),
    "7010": ({R: 200000, A: 10000}, {R: 1000, A: 5000}, {R: 100, A: 2000}),
    "7020": ({E: 1000, R: 5000}, {E: 300, R: 1000}, {E: 100, R: 500}),
    "71": ({E: 300, A: 120000}, {E: 100, A: 8000}, {E: 10, A: 100}),
    "72": ({E: 300, A: 120000}, {E: 100, A: 8000}, {E: 10, A: 100}),
    "70": ({E: 300}, {E: 100}, {E: 10}),
    "75": ({E: 300}, {E: 100}, {E: 10}),
    "83": ({E: 300}, {E: 100}, {E: 10}),
}
JUST_BELOW = {E: 1, R: Decimal("0.01"), A: Decimal("0.01")}
# A figure the rule does not look at is set absurdly high or low to prove it is ignored.
IGNORED = {E: 0, R: Decimal(0), A: Decimal(0)}


def _size(code: str, figures: dict) -> EnterpriseSize:
    values = {**IGNORED, **figures}
    return classify(code, values[E], Decimal(values[R]), Decimal(values[A])).size


def _below(bounds: dict, metric: str) -> dict:
    return {**bounds, metric: bounds[metric] - JUST_BELOW[metric]}


CASES = []
for code, (ceiling, medium, small) in STANDARD.items():
    CASES.append((code, ceiling, EnterpriseSize.LARGE))
    CASES.append((code, medium, EnterpriseSize.MEDIUM))
    CASES.append((code, small, EnterpriseSize.SMALL))
    for metric in ceiling:
        CASES.append((code, _below(ceiling, metric), EnterpriseSize.MEDIUM))
    for metric in medium:
        CASES.append((code, _below(medium, metric), EnterpriseSize.SMALL))
    for metric in small:
        CASES.append((code, _below(small, metric), EnterpriseSize.MICRO))


@pytest.mark.parametrize(("code", "figures", "expected"), CASES)
def test_size_at_and_around_each_boundary(code, figures, expected):
    assert _size(code, figures) is expected


def test_figures_a_rule_ignores_do_not_count():
    # Agriculture looks only at revenue: a thousand employees does not make it large.
    assert _size("01", {E: 5000, R: 49}) is EnterpriseSize.MICRO
    # "Other industries" look only at employees.
    assert _size("83", {E: 99, R: 10**7, A: 10**7}) is EnterpriseSize.SMALL


def test_the_reason_names_the_figures_and_the_threshold(app):
    with app.test_request_context("/?lang=zh"):
        reason = classify("13", 150, Decimal(5000), Decimal(100)).reason()
    assert "工业" in reason
    assert "150" in reason and "5000" in reason
    assert "300" in reason  # the medium floor it did not reach
    assert "小型" in reason
