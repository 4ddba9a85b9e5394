"""Reasons for one pair, in Chinese and English, with the figures that decided each one,
and for a near miss what would change the answer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from app.matching.criteria import CRITERIA, FAST_DAYS, SLOW_DAYS, priced
from app.matching.engine import evaluate_pairs
from app.matching.tables import GUARANTEES, PURPOSES, RANK_TAX, SIZES, NeedTable, ProductTable

GUARANTEE_NAMES = {
    "credit": ("信用", "credit"),
    "guarantee": ("保证", "guarantee"),
    "mortgage": ("抵押", "mortgage"),
    "pledge": ("质押", "pledge"),
}
SIZE_NAMES = {
    "large": ("大型", "large"),
    "medium": ("中型", "medium"),
    "small": ("小型", "small"),
    "micro": ("微型", "micro"),
}
PURPOSE_NAMES = {
    "working_capital": ("流动资金", "working capital"),
    "fixed_assets": ("固定资产投资", "fixed-asset investment"),
    "tech_upgrade": ("技术改造", "technical upgrade"),
    "rnd": ("研发投入", "R&D"),
    "raw_materials": ("采购原材料", "raw materials"),
    "other": ("其他", "other"),
}


@dataclass(frozen=True)
class Reason:
    criterion: str
    passed: bool
    points: Decimal | None  # score parts only
    zh: str
    en: str
    fix_zh: str = ""
    fix_en: str = ""

    def message(self, language: str) -> str:
        return self.en if language == "en" else self.zh

    def fix(self, language: str) -> str:
        return self.fix_en if language == "en" else self.fix_zh


def _wan(cents: int) -> str:
    value = (Decimal(int(cents)) / Decimal(1_000_000)).normalize()
    return f"{value:f}"


def _pct(bp: int) -> str:
    return f"{Decimal(int(bp)) / 100:.2f}%"


@dataclass(frozen=True)
class _Cost:
    """The all-in annual rate (bp, fees included) of the loan the enterprise pays least for,
    before and after the subsidy programme that lowers it (the need page's product card
    shows the same two figures), in the words of both languages."""

    gross: int
    net: int
    programme_zh: str = ""  # empty: no programme lowers it, the net is the gross
    programme_en: str = ""

    @property
    def zh(self) -> str:
        if not self.programme_zh:
            return f"年化综合成本最低 {_pct(self.gross)}"
        return (
            f"年化综合成本贴息前 {_pct(self.gross)}，享受{self.programme_zh}后为 {_pct(self.net)}"
        )

    @property
    def en(self) -> str:
        if not self.programme_en:
            return f"The all-in annual rate from {_pct(self.gross)}"
        return (
            f"The all-in annual rate is {_pct(self.gross)} before the subsidy "
            f"and {_pct(self.net)} after {self.programme_en}"
        )


def _cost(N, P, i, j) -> _Cost:
    gross, net, which = priced(N, P, np.array([i]), np.array([j]))
    k = int(which[0])
    if k < 0:
        return _Cost(int(gross[0]), int(net[0]))
    programme = P.programmes[k]
    return _Cost(int(gross[0]), int(net[0]), programme.name, programme.name_en)


def _names(bits: int, vocabulary, names, lang: int) -> str:
    chosen = [names[v][lang] for i, v in enumerate(vocabulary) if bits & (1 << i)]
    return ("、" if lang == 0 else ", ").join(chosen)


def explain(
    N: NeedTable,
    P: ProductTable,
    need_row: int,
    product_row: int,
    weights=None,
    region_names: dict[int, tuple[str, str]] | None = None,
    industry_names: dict[int, tuple[str, str]] | None = None,
    tag_names: dict[int, tuple[str, str]] | None = None,
) -> list[Reason]:
    """A reason for every criterion and every score part of one pair."""
    return explain_batch(
        N, P, [need_row], [product_row], weights, region_names, industry_names, tag_names
    )[0]


def explain_batch(
    N: NeedTable,
    P: ProductTable,
    need_rows,
    product_rows,
    weights=None,
    region_names: dict[int, tuple[str, str]] | None = None,
    industry_names: dict[int, tuple[str, str]] | None = None,
    tag_names: dict[int, tuple[str, str]] | None = None,
) -> list[list[Reason]]:
    """The reasons of many pairs, every criterion evaluated once over all of them."""
    v = evaluate_pairs(N, P, need_rows, product_rows, weights)
    region_names = region_names or {}
    industry_names = industry_names or {}
    tag_names = tag_names or {}
    explained = []
    for k, (i, j) in enumerate(zip(v.need_rows, v.product_rows, strict=True)):
        i, j = int(i), int(j)
        reasons = [
            _criterion_reason(
                c.key, bool(v.passed[c.key][k]), N, P, i, j, region_names, industry_names, tag_names
            )
            for c in CRITERIA
        ]
        if v.failed_count[k] == 0:
            for key, value in v.parts.items():
                reasons.append(_part_reason(key, Decimal(f"{float(value[k]):.2f}"), N, P, i, j))
        explained.append(reasons)
    return explained


def _criterion_reason(key, ok, N, P, i, j, region_names, industry_names, tag_names) -> Reason:
    if key == "amount":
        a, lo, hi = N.amount[i], P.min_amount[j], P.max_amount[j]
        if ok:
            return Reason(
                key,
                True,
                None,
                f"申请金额 {_wan(a)} 万元在产品额度 {_wan(lo)}–{_wan(hi)} 万元之内",
                f"The amount of {_wan(a)} 万元 is within {_wan(lo)}–{_wan(hi)} 万元",
            )
        if a > hi:
            return Reason(
                key,
                False,
                None,
                f"申请金额 {_wan(a)} 万元超出产品上限 {_wan(hi)} 万元",
                f"The amount of {_wan(a)} 万元 exceeds the product's maximum of {_wan(hi)} 万元",
                f"金额降至 {_wan(hi)} 万元以内即可申请",
                f"Ask for at most {_wan(hi)} 万元 to qualify",
            )
        return Reason(
            key,
            False,
            None,
            f"申请金额 {_wan(a)} 万元低于产品下限 {_wan(lo)} 万元",
            f"The amount of {_wan(a)} 万元 is below the product's minimum of {_wan(lo)} 万元",
            f"金额提高至 {_wan(lo)} 万元以上即可申请",
            f"Ask for at least {_wan(lo)} 万元 to qualify",
        )
    if key == "term":
        t, lo, hi = N.term[i], P.min_term[j], P.max_term[j]
        if ok:
            return Reason(
                key,
                True,
                None,
                f"期限 {t} 个月在产品期限 {lo}–{hi} 个月之内",
                f"The term of {t} months is within {lo}–{hi} months",
            )
        if t > hi:
            return Reason(
                key,
                False,
                None,
                f"期限 {t} 个月超过产品最长期限 {hi} 个月",
                f"The term of {t} months exceeds the product's longest, {hi} months",
                f"期限缩短至 {hi} 个月以内即可申请",
                f"Shorten the term to {hi} months or less to qualify",
            )
        return Reason(
            key,
            False,
            None,
            f"期限 {t} 个月短于产品最短期限 {lo} 个月",
            f"The term of {t} months is shorter than the product's shortest, {lo} months",
            f"期限延长至 {lo} 个月以上即可申请",
            f"Lengthen the term to at least {lo} months to qualify",
        )
    if key == "guarantee":
        offered_zh = _names(N.guarantees[i], GUARANTEES, GUARANTEE_NAMES, 0)
        offered_en = _names(N.guarantees[i], GUARANTEES, GUARANTEE_NAMES, 1)
        accepted_zh = _names(P.guarantees[j], GUARANTEES, GUARANTEE_NAMES, 0)
        accepted_en = _names(P.guarantees[j], GUARANTEES, GUARANTEE_NAMES, 1)
        if ok:
            common = N.guarantees[i] & P.guarantees[j]
            return Reason(
                key,
                True,
                None,
                f"担保方式相符：{_names(common, GUARANTEES, GUARANTEE_NAMES, 0)}",
                f"Guarantee in common: {_names(common, GUARANTEES, GUARANTEE_NAMES, 1)}",
            )
        return Reason(
            key,
            False,
            None,
            f"您可提供{offered_zh}，产品只接受{accepted_zh}",
            f"You offer {offered_en}; the product accepts only {accepted_en}",
            f"增加{accepted_zh}担保即可申请",
            f"Offer {accepted_en} to qualify",
        )
    if key == "industry":
        if P.industry_any[j]:
            return Reason(key, True, None, "产品不限行业", "The product is open to every industry")
        targets = [
            industry_names.get(int(k), (str(k), str(k))) for k in np.flatnonzero(P.industries[j])
        ]
        zh = "、".join(t[0] for t in targets)
        en = ", ".join(t[1] for t in targets)
        if ok:
            return Reason(
                key,
                True,
                None,
                f"您的行业在产品面向的行业（{zh}）之内",
                f"Your industry is among the product's ({en})",
            )
        return Reason(
            key,
            False,
            None,
            f"产品只面向{zh}",
            f"The product is only for {en}",
            "行业不符，无法通过调整需求满足",
            "The industry cannot be changed by editing the need",
        )
    if key == "size":
        own_zh = _names(N.size[i], SIZES, SIZE_NAMES, 0)
        own_en = _names(N.size[i], SIZES, SIZE_NAMES, 1)
        if P.sizes[j] == 0:
            return Reason(key, True, None, "产品不限企业规模", "The product is open to every size")
        zh = _names(P.sizes[j], SIZES, SIZE_NAMES, 0)
        en = _names(P.sizes[j], SIZES, SIZE_NAMES, 1)
        if ok:
            return Reason(
                key,
                True,
                None,
                f"{own_zh}企业在产品面向的规模（{zh}）之内",
                f"A {own_en} enterprise is among the sizes served ({en})",
            )
        return Reason(
            key,
            False,
            None,
            f"产品只面向{zh}企业，您的企业为{own_zh}",
            f"The product is only for {en} enterprises; yours is {own_en}",
            "企业规模不符",
            "The size does not fit",
        )
    if key == "region":
        if P.region_any[j]:
            return Reason(
                key, True, None, "产品服务平台全部区域", "The product serves the whole platform"
            )
        served = [region_names.get(int(k), (str(k), str(k))) for k in np.flatnonzero(P.regions[j])]
        zh = "、".join(s[0] for s in served)
        en = ", ".join(s[1] for s in served)
        if ok:
            return Reason(
                key,
                True,
                None,
                f"您所在地在产品服务区域（{zh}）之内",
                f"You are inside the area served ({en})",
            )
        return Reason(
            key,
            False,
            None,
            f"产品只服务{zh}",
            f"The product serves only {en}",
            "所在地不在服务区域内",
            "You are outside the area served",
        )
    if key == "years":
        have, need = N.years[i], P.min_years[j]
        if need == 0:
            return Reason(
                key,
                True,
                None,
                "产品对经营年限无要求",
                "The product asks for no years in operation",
            )
        if ok:
            return Reason(
                key,
                True,
                None,
                f"经营 {have} 年，不少于产品要求的 {need} 年",
                f"{have} years in operation, at least the {need} required",
            )
        return Reason(
            key,
            False,
            None,
            f"经营 {have} 年，产品要求至少 {need} 年",
            f"{have} years in operation; the product requires {need}",
            f"再经营 {need - have} 年即可申请",
            f"Eligible after {need - have} more years in operation",
        )
    if key == "tax_rating":
        have = RANK_TAX[int(N.tax_rank[i])] or "无"
        have_en = RANK_TAX[int(N.tax_rank[i])] or "none"
        need = RANK_TAX[int(P.min_tax_rank[j])]
        if need is None:
            return Reason(
                key, True, None, "产品对纳税信用等级无要求", "No tax credit rating required"
            )
        if ok:
            return Reason(
                key,
                True,
                None,
                f"纳税信用 {have} 级，达到产品要求的 {need} 级",
                f"Tax credit rating {have_en} meets the required {need}",
            )
        return Reason(
            key,
            False,
            None,
            f"纳税信用为{have}，产品要求 {need} 级及以上",
            f"Tax credit rating {have_en}; the product requires {need} or better",
            f"纳税信用等级达到 {need} 级即可申请",
            f"Reach tax credit rating {need} to qualify",
        )
    if key == "purpose":
        own_zh = _names(N.purpose[i], PURPOSES, PURPOSE_NAMES, 0)
        own_en = _names(N.purpose[i], PURPOSES, PURPOSE_NAMES, 1)
        if P.purposes[j] == 0:
            return Reason(key, True, None, "产品不限资金用途", "Any purpose is accepted")
        zh = _names(P.purposes[j], PURPOSES, PURPOSE_NAMES, 0)
        en = _names(P.purposes[j], PURPOSES, PURPOSE_NAMES, 1)
        if ok:
            return Reason(
                key,
                True,
                None,
                f"用途“{own_zh}”在产品用途之内",
                f"The purpose ({own_en}) is accepted",
            )
        return Reason(
            key,
            False,
            None,
            f"用途为{own_zh}，产品只用于{zh}",
            f"The purpose is {own_en}; the product is only for {en}",
            f"用途为{zh}时可申请",
            f"Eligible for {en}",
        )
    if key == "availability":
        if ok:
            return Reason(
                key, True, None, "产品已发布且在有效期内", "The product is published and valid"
            )
        return Reason(
            key,
            False,
            None,
            "产品未发布、已过期或银行已停用",
            "The product is not published, has expired or the bank is inactive",
        )
    if key == "tags":
        return _tags_reason(ok, N, P, i, j, tag_names)
    if key == "ceiling":
        cost, cap = _cost(N, P, i, j), N.max_rate[i]
        if ok:
            return Reason(
                key,
                True,
                None,
                f"{cost.zh}，不高于您可接受的 {_pct(cap)}",
                f"{cost.en}, within the {_pct(cap)} you accept",
            )
        return Reason(
            key,
            False,
            None,
            f"{cost.zh}，高于您可接受的 {_pct(cap)}",
            f"{cost.en}, above the {_pct(cap)} you accept",
            f"可接受利率提高到 {_pct(cost.net)} 即可申请",
            f"Accept up to {_pct(cost.net)} to qualify",
        )
    if ok:
        return Reason(key, True, None, "企业已通过认证", "The enterprise is verified")
    return Reason(
        key,
        False,
        None,
        "企业尚未通过认证",
        "The enterprise is not verified yet",
        "企业通过认证后即可申请",
        "Eligible once the enterprise is verified",
    )


def _part_reason(key, pts: Decimal, N, P, i, j) -> Reason:
    if key == "rate":
        cap, cost = N.max_rate[i], _cost(N, P, i, j)
        return Reason(
            key,
            True,
            pts,
            f"{cost.zh}，比您可接受的 {_pct(cap)} 低 {_pct(cap - cost.net)}，得 {pts} 分",
            f"{cost.en}, {_pct(cap - cost.net)} below the {_pct(cap)} you accept: {pts} points",
        )
    if key == "amount_fit":
        return Reason(
            key,
            True,
            pts,
            f"金额 {_wan(N.amount[i])} 万元位于额度 {_wan(P.min_amount[j])}–{_wan(P.max_amount[j])} 万元之中，得 {pts} 分",
            f"{_wan(N.amount[i])} 万元 within {_wan(P.min_amount[j])}–{_wan(P.max_amount[j])} 万元: {pts} points",
        )
    if key == "guarantee_fit":
        common = N.guarantees[i] & P.guarantees[j]
        return Reason(
            key,
            True,
            pts,
            f"以{_names(common, GUARANTEES, GUARANTEE_NAMES, 0)}方式办理，得 {pts} 分",
            f"Secured by {_names(common, GUARANTEES, GUARANTEE_NAMES, 1)}: {pts} points",
        )
    if key == "specificity":
        return Reason(
            key,
            True,
            pts,
            f"产品明确面向您的行业或规模的程度，得 {pts} 分",
            f"The product names your industry or size: {pts} points",
        )
    if key == "locality":
        here = pts > 0
        return Reason(
            key,
            True,
            pts,
            f"银行{'在' if here else '不在'}您所在县设有网点，得 {pts} 分",
            f"The bank {'has a' if here else 'has no'} branch in your county: {pts} points",
        )
    if key == "first_loan":
        return Reason(
            key,
            True,
            pts,
            f"{'首贷产品对首贷户' if pts > 0 else '非首贷匹配'}，得 {pts} 分",
            f"{'A first-loan product for a first-time borrower' if pts > 0 else 'No first-loan match'}: {pts} points",
        )
    if key == "speed":
        return Reason(
            key,
            True,
            pts,
            f"一般 {P.approval_days[j]} 天审批（{FAST_DAYS} 天内满分，{SLOW_DAYS} 天以上不得分），得 {pts} 分",
            f"Approval in about {P.approval_days[j]} days (full marks within {FAST_DAYS}, none beyond {SLOW_DAYS}): {pts} points",
        )
    share = P.bank_record[P.bank_row[j]]
    if np.isnan(share):
        return Reason(
            key,
            True,
            pts,
            f"评分时银行在平台上尚无响应记录，按一半计，得 {pts} 分",
            f"When scored, the bank had no record on the platform yet, counted as half: {pts} points",
        )
    return Reason(
        key,
        True,
        pts,
        f"评分时银行按时响应率 {share:.1%}，得 {pts} 分",
        f"When scored, the bank answered {share:.1%} of routed needs on time: {pts} points",
    )


def _tags_reason(ok, N, P, i, j, tag_names) -> Reason:
    required = P.required_tags[j] if P.required_tags is not None else np.zeros(0, dtype=bool)
    ids = [int(k) for k in np.flatnonzero(required)]
    if not ids:
        return Reason("tags", True, None, "产品不限企业名单", "No official list is required")
    names = [tag_names.get(k, (str(k), str(k))) for k in ids]
    zh = "、".join(n[0] for n in names)
    en = ", ".join(n[1] for n in names)
    if ok:
        return Reason(
            "tags",
            True,
            None,
            f"您的企业在认定名单（{zh}）之内",
            f"Your enterprise is on an official list the product asks for ({en})",
        )
    return Reason(
        "tags",
        False,
        None,
        f"产品只面向列入{zh}名单的企业，您的企业尚未列入",
        f"The product is only for enterprises on the list of {en}; yours is not on it",
        f"列入{zh}名单后即可申请",
        f"Eligible once your enterprise is on the list of {en}",
    )
