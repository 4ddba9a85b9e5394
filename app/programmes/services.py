"""Subsidy programmes (贴息): defined by an official of a region, applied to quotes and the
engine, and committed against their budget by each agreement signed under them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record
from app.errors import FieldErrors, NotAllowed, StaleObject
from app.models import (
    Agreement,
    Bank,
    Enterprise,
    Industry,
    Need,
    Product,
    ProgrammeCommitment,
    Region,
    SubsidyProgramme,
    TagKind,
    User,
    db,
)
from app.models.enums import EnterpriseSize
from app.models.programme import CLOSED, OPEN, POINTS, SHARE
from app.pricing import PriceItems, Quote, SubsidyTerms, cheapest_quote
from app.programmes import rules
from app.programmes.rules import Facts
from app.programmes.tags import tags_on
from app.regions import scope
from app.regions import services as regions

ZERO = Decimal("0.00")
MAX_POINTS = Decimal("10")
CENT = Decimal("0.01")
MAX_YUAN = Decimal("100000000000")  # 1,000 亿元: more than any budget, within the columns


def programme_terms(programme: SubsidyProgramme) -> dict:
    """Everything about a programme the engine reads (who it serves, which loans, how much),
    as plain values: what a change is compared by and what its rematch is scoped by. Its
    name and legal basis are not among them."""

    def text(value) -> str | None:
        return None if value is None else str(value)

    return {
        "open": programme.status == OPEN,
        "starts_on": programme.starts_on.isoformat(),
        "ends_on": programme.ends_on.isoformat(),
        "regions": sorted(rules.regions_of(programme)),
        "sizes": sorted(s.value for s in programme.sizes),
        "industry_codes": sorted(programme.industry_codes or []),
        "tag_ids": sorted(programme.tag_ids or []),
        "first_loan_only": bool(programme.first_loan_only),
        "bank_ids": sorted(programme.bank_ids or []),
        "product_ids": sorted(programme.product_ids or []),
        "kind": programme.kind,
        "value": text(programme.value),
        "cap_per_loan": text(programme.cap_per_loan),
        "cap_per_enterprise": text(programme.cap_per_enterprise),
        "remaining": text(programme.remaining),
    }


def serves_clause(terms: dict, day: date):
    """SQL over enterprises: those the programme with `terms` serves on `day` -- exactly
    `rules.unmet` (region, size, industry, lists held that day, first loan)."""
    from app.matches.services import vocabulary
    from app.models import EnterpriseTag

    regions = terms["regions"]
    within = sa.or_(
        *(Region.path.like(f"{code}/%") for code in regions),
        *(Region.path.like(f"%/{code}/%") for code in regions),
    )
    conditions = [
        sa.or_(
            Enterprise.region_code.in_(regions),
            Enterprise.region_code.in_(sa.select(Region.code).where(within)),
        )
    ]
    if terms["sizes"]:
        conditions.append(Enterprise.size.in_([EnterpriseSize(s) for s in terms["sizes"]]))
    codes = terms["industry_codes"]
    if codes:
        sections = sorted(
            c for c, section in vocabulary().industry_section.items() if section in codes
        )
        conditions.append(
            sa.or_(
                Enterprise.industry_code.in_(sections),
                *(Enterprise.industry_code.startswith(c, autoescape=True) for c in codes),
            )
        )
    if terms["tag_ids"]:
        conditions.append(
            sa.exists().where(
                EnterpriseTag.enterprise_id == Enterprise.id,
                EnterpriseTag.tag_kind_id.in_(terms["tag_ids"]),
                EnterpriseTag.valid_from <= day,
                sa.or_(EnterpriseTag.valid_to.is_(None), EnterpriseTag.valid_to >= day),
            )
        )
    if terms["first_loan_only"]:
        conditions.append(Enterprise.first_loan.is_(True))
    return sa.and_(*conditions)


def covered_products(terms: dict) -> set[int] | None:
    """The products whose loans the programme with `terms` subsidises (None: every one)."""
    if not terms["bank_ids"] and not terms["product_ids"]:
        return None
    return set(
        db.session.scalars(
            sa.select(Product.id).where(
                sa.or_(Product.id.in_(terms["product_ids"]), Product.bank_id.in_(terms["bank_ids"]))
            )
        )
    )


def request_rematch(programme: SubsidyProgramme, before: dict | None) -> None:
    """A programme changes the net rate of the pairs it covers, before and after the
    change: the job queue rematches those needs on those products (`app.matches.narrow`)."""
    from app.matches.narrow import request_programme

    request_programme(programme.id, before, programme_terms(programme))


# Reading ---------------------------------------------------------------------------------


def open_programmes(day: date | None = None) -> list[SubsidyProgramme]:
    """Programmes taking new agreements on `day`."""
    day = day or clock.today()
    return list(
        db.session.scalars(
            sa.select(SubsidyProgramme)
            .where(
                SubsidyProgramme.status == OPEN,
                SubsidyProgramme.starts_on <= day,
                SubsidyProgramme.ends_on >= day,
            )
            .order_by(SubsidyProgramme.id)
        )
    )


def public_list() -> list[SubsidyProgramme]:
    return list(
        db.session.scalars(
            sa.select(SubsidyProgramme).order_by(
                SubsidyProgramme.ends_on.desc(), SubsidyProgramme.id
            )
        )
    )


def for_official(user: User) -> list[SubsidyProgramme]:
    return list(
        db.session.scalars(
            sa.select(SubsidyProgramme)
            .where(*scope.where_region(user, SubsidyProgramme.region_code))
            .order_by(SubsidyProgramme.id.desc())
        )
    )


def get_for(user: User, programme_id: int) -> SubsidyProgramme | None:
    """An official's programme, within their region (None otherwise)."""
    programme = db.session.get(SubsidyProgramme, programme_id)
    if programme is None or not scope.sees(user, programme.region_code):
        return None
    return programme


def _paths(codes: set[str]) -> dict[str, tuple[str, ...]]:
    paths = {}
    for code, path in db.session.execute(
        sa.select(Region.code, Region.path).where(Region.code.in_(sorted(codes)))
    ):
        paths[code] = tuple(c for c in (path or "").split("/") if c) or (code,)
    return paths


def _sections(codes: set[str]) -> dict[str, str]:
    from app.matches.services import vocabulary

    sections = vocabulary().industry_section
    return {c: sections.get(c, c) for c in codes}


def facts_of(enterprises: list[Enterprise], day: date | None = None) -> dict[int, Facts]:
    held = tags_on([e.id for e in enterprises], day)
    paths = _paths({e.region_code for e in enterprises})
    sections = _sections({e.industry_code for e in enterprises})
    return {
        e.id: Facts(
            e.size.value,
            e.industry_code,
            sections[e.industry_code],
            paths.get(e.region_code, (e.region_code,)),
            frozenset(held.get(e.id, ())),
            bool(e.first_loan),
        )
        for e in enterprises
    }


def committed_by(enterprise_ids, programme_ids) -> dict[tuple[int, int], Decimal]:
    """What each enterprise has drawn from each programme (live commitments)."""
    from app.programmes.tags import MANY_ENTERPRISES

    if not enterprise_ids or not programme_ids:
        return {}
    wanted = set(enterprise_ids)
    query = (
        sa.select(
            ProgrammeCommitment.enterprise_id,
            ProgrammeCommitment.programme_id,
            sa.func.sum(ProgrammeCommitment.amount),
        )
        .where(
            ProgrammeCommitment.programme_id.in_(sorted(set(programme_ids))),
            ProgrammeCommitment.released.is_(False),
        )
        .group_by(ProgrammeCommitment.enterprise_id, ProgrammeCommitment.programme_id)
    )
    if len(wanted) <= MANY_ENTERPRISES:  # else every enterprise's, kept where wanted
        query = query.where(ProgrammeCommitment.enterprise_id.in_(sorted(wanted)))
    return {(e, p): Decimal(total or 0) for e, p, total in db.session.execute(query) if e in wanted}


def _room(programme: SubsidyProgramme, drawn: Decimal) -> Decimal | None:
    """What is left of the cap per enterprise (None: no cap)."""
    if programme.cap_per_enterprise is None:
        return None
    return max(programme.cap_per_enterprise - drawn, ZERO)


def loan_cap(programme: SubsidyProgramme, room: Decimal | None) -> Decimal:
    """The most one more loan can receive: per loan, per enterprise, and the budget left."""
    caps = [programme.remaining]
    if programme.cap_per_loan is not None:
        caps.append(programme.cap_per_loan)
    if room is not None:
        caps.append(room)
    return min(caps)


def qualifying(enterprise: Enterprise, day: date | None = None) -> list[SubsidyProgramme]:
    """The open programmes the enterprise may qualify for (its home lists them)."""
    day = day or clock.today()
    facts = facts_of([enterprise], day)[enterprise.id]
    return [p for p in open_programmes(day) if not rules.unmet(p, facts)]


def offers_for(enterprise: Enterprise | None, day: date | None = None):
    """A function giving, for a product, the subsidies a loan of it to `enterprise` would
    receive, capped; the programmes and what the enterprise drew are read once."""
    if enterprise is None:
        return lambda product: []
    programmes = qualifying(enterprise, day)
    drawn = committed_by([enterprise.id], [p.id for p in programmes])
    offers = [(p, terms(p, _room(p, drawn.get((enterprise.id, p.id), ZERO)))) for p in programmes]

    def for_product(product: Product | None) -> list[SubsidyTerms]:
        product_id = product.id if product else None
        bank_id = product.bank_id if product else None
        return [t for p, t in offers if rules.covers(p, product_id, bank_id)]

    return for_product


def terms_for(
    enterprise: Enterprise | None, product: Product | None, day: date | None = None
) -> list[SubsidyTerms]:
    """The subsidies a loan of `product` to `enterprise` would receive, capped."""
    return offers_for(enterprise, day)(product)


def terms(programme: SubsidyProgramme, room: Decimal | None = None) -> SubsidyTerms:
    return SubsidyTerms(
        programme.kind, programme.value, loan_cap(programme, room), programme.id, programme.name
    )


# The engine's records ---------------------------------------------------------------------


def need_programmes(records: list[dict], day: date) -> None:
    """Add to the engine's need records the tags held and, per programme the enterprise
    qualifies for, what is left of its cap per enterprise (yuan, None: no cap)."""
    programmes = open_programmes(day)
    enterprise_ids = {r["enterprise_id"] for r in records}
    held = tags_on(enterprise_ids, day)
    if not programmes:
        for r in records:
            r["tag_ids"] = sorted(held[r["enterprise_id"]]) if r["enterprise_id"] in held else []
        return
    paths = _paths({r["region_code"] for r in records})
    sections = _sections({r["industry_code"] for r in records})
    drawn = committed_by(enterprise_ids, [p.id for p in programmes])
    for r in records:
        tags = frozenset(held.get(r["enterprise_id"], ()))
        r["tag_ids"] = sorted(tags)
        facts = Facts(
            r["size"],
            r["industry_code"],
            sections[r["industry_code"]],
            paths.get(r["region_code"], (r["region_code"],)),
            tags,
            bool(r["first_loan"]),
        )
        r["programmes"] = {
            p.id: _room(p, drawn.get((r["enterprise_id"], p.id), ZERO))
            for p in programmes
            if not rules.unmet(p, facts)
        }


def product_programmes(day: date) -> list[dict]:
    """The open programmes as the engine's product table takes them."""
    return [
        {
            "id": p.id,
            "kind": p.kind,
            "value": p.value,
            "cap_per_loan": loan_cap(p, None),
            "bank_ids": list(p.bank_ids or []),
            "product_ids": list(p.product_ids or []),
            "name": p.name,
            "name_en": p.name,
        }
        for p in open_programmes(day)
    ]


# Defining a programme ---------------------------------------------------------------------


@dataclass
class ProgrammeInput:
    name: str = ""
    legal_basis: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    sizes: list[str] = field(default_factory=list)
    industry_codes: list[str] = field(default_factory=list)
    region_codes: list[str] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)
    first_loan_only: bool = False
    bank_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    kind: str = POINTS
    value: Decimal | None = None
    cap_per_loan: Decimal | None = None
    cap_per_enterprise: Decimal | None = None
    budget: Decimal | None = None


def _existing(model, column, values) -> set:
    if not values:
        return set()
    return set(db.session.scalars(sa.select(column).where(column.in_(sorted(set(values))))))


def check(
    user: User, data: ProgrammeInput, programme: SubsidyProgramme | None = None
) -> FieldErrors:
    errors = FieldErrors()
    if not (data.name or "").strip() or len(data.name.strip()) > 128:
        errors.add("name", _l("Give the programme a name of at most 128 characters."))
    if data.starts_on is None:
        errors.add("starts_on", _l("Enter the first day agreements may be signed under it."))
    if data.ends_on is None:
        errors.add("ends_on", _l("Enter the last day agreements may be signed under it."))
    elif data.starts_on is not None and data.ends_on < data.starts_on:
        errors.add("ends_on", _l("The programme ends before it starts."))
    if data.kind not in (POINTS, SHARE):
        errors.add("kind", _l("Choose points off the rate or a share of the interest."))
    elif data.value is None or data.value <= 0:
        errors.add("value", _l("Enter a subsidy above zero."))
    elif data.kind == POINTS and data.value > MAX_POINTS:
        errors.add("value", _l("At most 10 percentage points."))
    elif data.kind == SHARE and data.value > 100:
        errors.add("value", _l("A share of the interest is at most 100 %."))
    elif data.value != data.value.quantize(CENT):
        errors.add("value", _l("Use at most two decimals."))
    for name in ("cap_per_loan", "cap_per_enterprise"):
        value = getattr(data, name)
        if value is not None and value <= 0:
            errors.add(
                f"{name}_wan", _l("Leave it empty for no cap, or enter an amount above zero.")
            )
        elif value is not None and value > MAX_YUAN:
            errors.add(f"{name}_wan", _l("At most 10,000,000 万元 (1,000 亿元)."))
        elif value is not None and value != value.quantize(CENT):
            errors.add(f"{name}_wan", _l("Amounts go to the fen at most (six decimals in 万元)."))
    if data.budget is None or data.budget <= 0:
        errors.add("budget_wan", _l("Enter the budget in 万元, above zero."))
    elif data.budget > MAX_YUAN:
        errors.add("budget_wan", _l("At most 10,000,000 万元 (1,000 亿元)."))
    elif data.budget != data.budget.quantize(CENT):
        errors.add("budget_wan", _l("Amounts go to the fen at most (six decimals in 万元)."))
    elif programme is not None and data.budget < programme.committed:
        errors.add(
            "budget_wan",
            _l(
                "Agreements have committed %(yuan)s 元 already; the budget cannot be less.",
                yuan=f"{programme.committed:,.2f}",
            ),
        )
    sizes = {s.value for s in EnterpriseSize}
    if set(data.sizes) - sizes:
        errors.add("sizes", _l("Choose sizes from the list."))
    home = scope.home_of(user)
    known_regions = _existing(Region, Region.code, data.region_codes)
    if set(data.region_codes) - known_regions:
        errors.add("region_codes", _l("Unknown region code."))
    elif any(not regions.contains(home, c) for c in data.region_codes):
        errors.add("region_codes", _l("A programme can only cover regions within your own."))
    if home is None and not data.region_codes:
        errors.add("region_codes", _l("Name the regions the programme covers."))
    if set(data.industry_codes) - _existing(Industry, Industry.code, data.industry_codes):
        errors.add("industry_codes", _l("Unknown industry code."))
    if set(data.tag_ids) - _existing(TagKind, TagKind.id, data.tag_ids):
        errors.add("tag_ids", _l("Unknown list."))
    if set(data.bank_ids) - _existing(Bank, Bank.id, data.bank_ids):
        errors.add("bank_ids", _l("Unknown bank."))
    if set(data.product_ids) - _existing(Product, Product.id, data.product_ids):
        errors.add("product_ids", _l("Unknown product."))
    return errors


def _apply(programme: SubsidyProgramme, data: ProgrammeInput) -> None:
    programme.name = data.name.strip()
    programme.legal_basis = (data.legal_basis or "").strip()
    programme.starts_on = data.starts_on
    programme.ends_on = data.ends_on
    programme.sizes = frozenset(EnterpriseSize(s) for s in data.sizes)
    programme.industry_codes = sorted(set(data.industry_codes))
    programme.region_codes = sorted(set(data.region_codes))
    programme.tag_ids = sorted(set(data.tag_ids))
    programme.first_loan_only = bool(data.first_loan_only)
    programme.bank_ids = sorted(set(data.bank_ids))
    programme.product_ids = sorted(set(data.product_ids))
    programme.kind = data.kind
    programme.value = data.value
    programme.cap_per_loan = data.cap_per_loan
    programme.cap_per_enterprise = data.cap_per_enterprise
    programme.budget = data.budget
    if programme.committed >= programme.budget:
        programme.status = CLOSED
    else:
        programme.status = OPEN


def create(user: User, data: ProgrammeInput) -> SubsidyProgramme:
    check(user, data).raise_if_any()
    home = scope.home_of(user)
    programme = SubsidyProgramme(
        region_code=home.code if home is not None else data.region_codes[0],
        created_by_id=user.id,
        committed=ZERO,
    )
    _apply(programme, data)
    db.session.add(programme)
    db.session.flush()
    record(user, "programme_created", programme, changes={"name": programme.name})
    db.session.commit()
    request_rematch(programme, None)
    return programme


def update(
    user: User, programme: SubsidyProgramme, data: ProgrammeInput, version: int | None = None
) -> SubsidyProgramme:
    if not scope.sees(user, programme.region_code):
        raise NotAllowed(_("This programme belongs to another region."))
    if version is not None and version != programme.version:
        raise StaleObject(
            _l(
                "Someone else changed this programme meanwhile; reload it and make your change again."
            )
        )
    check(user, data, programme).raise_if_any()
    before = programme_terms(programme)
    _apply(programme, data)
    record(user, "programme_changed", programme, changes={"name": programme.name})
    db.session.commit()
    request_rematch(programme, before)
    return programme


# Committing a budget ----------------------------------------------------------------------


def _agreement_quote(agreement: Agreement, subsidies: list[SubsidyTerms]) -> Quote:
    product = agreement.product
    if product is not None:
        price = product.price_items(rate=agreement.rate)
        guaranteed = product.requires_guarantee
    else:
        price, guaranteed = PriceItems(rate=agreement.rate), False
    return cheapest_quote(price, agreement.amount, agreement.term_months, guaranteed, subsidies)


def commit(agreement: Agreement, day: date | None = None) -> ProgrammeCommitment | None:
    """The best programme the agreement qualifies for commits its estimated subsidy (over the
    loan's schedule) against the budget. The programme rows are locked while the budget is
    counted, so two agreements signed at once cannot overspend it; the agreement that uses
    up the budget closes the programme. Called inside the agreement's transaction."""
    day = day or agreement.signed_on
    enterprise = db.session.get(Enterprise, agreement.enterprise_id)
    candidates = [
        p.id
        for p in qualifying(enterprise, day)
        if rules.covers(p, agreement.product_id, agreement.bank_id)
    ]
    if not candidates:
        return None
    locked = list(
        db.session.scalars(
            sa.select(SubsidyProgramme)
            .where(SubsidyProgramme.id.in_(candidates))
            .order_by(SubsidyProgramme.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    live = [p for p in locked if p.open_on(day) and p.remaining > 0]
    drawn = committed_by([enterprise.id], [p.id for p in live])
    offers = [terms(p, _room(p, drawn.get((enterprise.id, p.id), ZERO))) for p in live]
    offers = [t for t in offers if t.cap is None or t.cap > 0]
    if not offers:
        return None
    best = _agreement_quote(agreement, offers)
    if best.subsidy is None:
        return None
    programme = next(p for p in live if p.id == best.subsidy.programme_id)
    before = programme_terms(programme)
    amount = min(best.total_subsidy, programme.remaining)
    commitment = ProgrammeCommitment(
        programme_id=programme.id,
        agreement_id=agreement.id,
        enterprise_id=enterprise.id,
        amount=amount,
        net_rate=best.net_rate,
    )
    db.session.add(commitment)
    programme.committed = programme.committed + amount
    if programme.committed >= programme.budget:
        programme.status = CLOSED
    db.session.flush()
    _follow_budget(programme, before, enterprise.id)
    return commitment


def release(agreement: Agreement) -> None:
    """A cancelled agreement gives its commitment back to the budget."""
    commitment = db.session.scalar(
        sa.select(ProgrammeCommitment).where(
            ProgrammeCommitment.agreement_id == agreement.id,
            ProgrammeCommitment.released.is_(False),
        )
    )
    if commitment is None:
        return
    programme = db.session.execute(
        sa.select(SubsidyProgramme)
        .where(SubsidyProgramme.id == commitment.programme_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    before = programme_terms(programme)
    commitment.released = True
    programme.committed = max(programme.committed - commitment.amount, ZERO)
    if programme.status == CLOSED and programme.committed < programme.budget:
        programme.status = OPEN
    _follow_budget(programme, before, commitment.enterprise_id)


def _follow_budget(programme: SubsidyProgramme, before: dict, enterprise_id: int) -> None:
    """The engine subsidises a loan up to what is left of the budget (`loan_cap`): a draw or
    a give-back rematches the programme's reach (noted in the agreement's transaction) when
    a verdict can change -- it closed or reopened, or what is left is, before or after,
    below the most any open need's loan could be subsidised (an agreement far from the
    end of a large budget changes nothing the engine shows). Under a cap per enterprise it
    also changes what the enterprise's other needs may receive: those are rematched."""
    from app.matches.narrow import note_enterprises, note_programme

    if programme.cap_per_enterprise is not None:
        note_enterprises([enterprise_id])

    after = programme_terms(programme)
    most = largest_subsidy(programme)

    def seen(terms: dict) -> dict:
        return {**terms, "remaining": str(min(Decimal(terms["remaining"]), most))}

    if seen(before) != seen(after):
        note_programme(programme.id, before, after)


def largest_subsidy(programme: SubsidyProgramme) -> Decimal:
    """More than any open need's loan could receive from the programme: its monthly subsidy
    (the points, or the share of the dearest product's rate) on the whole amount every month
    of the term, within the cap per loan."""
    from app.matches.services import MATCHED_NEED_STATUSES

    largest = db.session.execute(
        sa.select(Need.amount, Need.term_months)
        .where(Need.status.in_(MATCHED_NEED_STATUSES))
        .order_by((Need.amount * Need.term_months).desc())
        .limit(1)
    ).first()
    amount_months = largest.amount * largest.term_months if largest else Decimal(0)
    if programme.kind == POINTS:
        monthly = Decimal(programme.value) / 1200
    else:
        dearest = db.session.scalar(sa.select(sa.func.max(Product.max_rate))) or Decimal(0)
        monthly = Decimal(programme.value) / 100 * Decimal(dearest) / 1200
    most = Decimal(amount_months) * monthly
    if programme.cap_per_loan is not None:
        most = min(most, programme.cap_per_loan)
    return most.quantize(CENT)


def commitment_of(agreement: Agreement) -> ProgrammeCommitment | None:
    return db.session.scalar(
        sa.select(ProgrammeCommitment)
        .where(
            ProgrammeCommitment.agreement_id == agreement.id,
            ProgrammeCommitment.released.is_(False),
        )
        .options(sa.orm.joinedload(ProgrammeCommitment.programme))
    )


def commitments(programme: SubsidyProgramme) -> list[tuple[ProgrammeCommitment, Agreement]]:
    return list(
        db.session.execute(
            sa.select(ProgrammeCommitment, Agreement)
            .join(Agreement, Agreement.id == ProgrammeCommitment.agreement_id)
            .where(
                ProgrammeCommitment.programme_id == programme.id,
                ProgrammeCommitment.released.is_(False),
            )
            .options(sa.orm.joinedload(Agreement.enterprise), sa.orm.joinedload(Agreement.bank))
            .order_by(ProgrammeCommitment.id)
        ).all()
    )


def names(programmes: list[SubsidyProgramme], language: str = "zh") -> dict:
    """Names the plain-words eligibility of these programmes uses, in `language`."""
    from app.programmes.tags import kind_names

    codes = sorted({c for p in programmes for c in rules.regions_of(p)})
    industries = sorted({c for p in programmes for c in p.industry_codes or []})
    bank_ids = sorted({b for p in programmes for b in p.bank_ids or []})
    product_ids = sorted({x for p in programmes for x in p.product_ids or []})
    english = language == "en"
    return {
        "region_names": {
            c: (n_en if english and n_en else n)
            for c, n, n_en in db.session.execute(
                sa.select(Region.code, Region.name, Region.name_en).where(Region.code.in_(codes))
            )
        },
        "industry_names": {
            c: f"{c} {n_en if english and n_en else n}"
            for c, n, n_en in db.session.execute(
                sa.select(Industry.code, Industry.name, Industry.name_en).where(
                    Industry.code.in_(industries)
                )
            )
        },
        "tag_names": {k: v[1] if english else v[0] for k, v in kind_names().items()},
        "bank_names": dict(
            db.session.execute(
                sa.select(Bank.id, Bank.short_name).where(Bank.id.in_(bank_ids))
            ).all()
        ),
        "product_names": dict(
            db.session.execute(
                sa.select(Product.id, Product.name).where(Product.id.in_(product_ids))
            ).all()
        ),
    }
