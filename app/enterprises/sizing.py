"""Size classification (大型/中型/小型/微型) from industry and figures, with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.models.enums import EnterpriseSize
from app.reference.industries import section_of
from app.reference.sizes import ASSETS, EMPLOYEES, OTHER_RULE, REVENUE, SIZE_RULES, SizeRule


@dataclass(frozen=True)
class SizeResult:
    size: EnterpriseSize
    rule: SizeRule
    figures: dict[str, Decimal]

    def reason(self) -> str:
        """Which figures decided the size and against which thresholds, in the reader's language."""
        tr = _translator()
        parts = [_figure(metric, self.figures[metric], tr) for metric in _metrics(self.rule)]
        return tr(
            "%(rule)s: %(figures)s; %(because)s, so %(size)s",
            rule=_rule_name(self.rule),
            figures=tr("; ").join(parts),
            because=self._because(tr),
            size=str(self.size.label),
        )

    def _because(self, tr) -> str:
        rule, figures = self.rule, self.figures
        if self.size is EnterpriseSize.LARGE:
            return tr(
                "every figure reaches the SME ceiling (%(bounds)s)",
                bounds=_bounds(rule.ceiling, tr),
            )
        if self.size is EnterpriseSize.MEDIUM:
            return tr(
                "every figure reaches the medium floor (%(bounds)s)",
                bounds=_bounds(rule.medium, tr),
            )
        if self.size is EnterpriseSize.SMALL:
            short = {m: v for m, v in rule.medium.items() if figures[m] < v}
            return tr(
                "every figure reaches the small floor (%(bounds)s) but not the medium one (%(short)s)",
                bounds=_bounds(rule.small, tr),
                short=_bounds(short, tr),
            )
        short = {m: v for m, v in rule.small.items() if figures[m] < v}
        return tr("below the small floor (%(short)s)", short=_bounds(short, tr))


def rule_for(industry_code: str) -> SizeRule:
    for rule in SIZE_RULES:
        if industry_code in rule.classes:
            return rule
    division = industry_code[:2] if industry_code[:1].isdigit() else ""
    for rule in SIZE_RULES:
        if division and division in rule.divisions:
            return rule
    section = section_of(industry_code)
    for rule in SIZE_RULES:
        if section in rule.sections:
            return rule
    return OTHER_RULE


def classify(
    industry_code: str, employees: int, revenue_wan: Decimal, assets_wan: Decimal
) -> SizeResult:
    """Revenue and assets are in 万元."""
    rule = rule_for(industry_code)
    figures = {
        EMPLOYEES: Decimal(employees),
        REVENUE: Decimal(revenue_wan),
        ASSETS: Decimal(assets_wan),
    }
    if all(figures[m] >= bound for m, bound in rule.ceiling.items()):
        size = EnterpriseSize.LARGE
    elif all(figures[m] >= floor for m, floor in rule.medium.items()):
        size = EnterpriseSize.MEDIUM
    elif all(figures[m] >= floor for m, floor in rule.small.items()):
        size = EnterpriseSize.SMALL
    else:
        size = EnterpriseSize.MICRO
    return SizeResult(size, rule, figures)


def _metrics(rule: SizeRule) -> list[str]:
    return [m for m in (EMPLOYEES, REVENUE, ASSETS) if m in rule.ceiling or m in rule.small]


def _rule_name(rule: SizeRule) -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return rule.name_en if locale is not None and locale.language == "en" else rule.name


def _bounds(bounds: dict[str, int], tr) -> str:
    parts = []
    for metric, value in bounds.items():
        if metric == EMPLOYEES:
            parts.append(tr("%(n)s employees", n=value))
        elif metric == REVENUE:
            parts.append(tr("revenue %(n)s 万元", n=value))
        else:
            parts.append(tr("total assets %(n)s 万元", n=value))
    return tr(", ").join(parts)


def _translator():
    """gettext bound to the current translations, looked up once for a whole reason (a
    roster import renders one per row, and each lookup walks Flask-Babel's context)."""
    from flask_babel import get_translations

    translations = get_translations()

    def tr(string: str, **variables) -> str:
        text = translations.ugettext(string)
        return text % variables if variables else text

    return tr


def _figure(metric: str, value: Decimal, tr) -> str:
    text = f"{value.normalize():f}"
    if metric == EMPLOYEES:
        return tr("%(n)s employees", n=text)
    if metric == REVENUE:
        return tr("revenue %(n)s 万元", n=text)
    return tr("total assets %(n)s 万元", n=text)
