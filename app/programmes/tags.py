"""The official lists an enterprise is on (专精特新, 高新技术企业, …), kept by officials.

A tag is verified by the official who recorded it and dated: it counts only between its valid
from and to dates. `tags_on(enterprise_ids, day)` is the one question the rest of the platform
(products' and programmes' eligibility, pools, guarantees) asks of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import clock
from app.audit import record
from app.enterprises import credit_code
from app.errors import FieldErrors, NotAllowed, ValidationFailed
from app.models import Enterprise, EnterpriseTag, TagKind, User, db
from app.regions import scope


def kinds() -> list[TagKind]:
    """Every list, the five national ones first."""
    return list(db.session.scalars(sa.select(TagKind).order_by(TagKind.builtin.desc(), TagKind.id)))


def kind_names() -> dict[int, tuple[str, str]]:
    return {k.id: (k.name, k.name_en or k.name) for k in kinds()}


# Beyond this many enterprises (a province's product change reads 150,000) one read of every
# tag valid that day is cheaper than binding each id.
MANY_ENTERPRISES = 5000


def tags_on(enterprise_ids, day: date | None = None) -> dict[int, set[int]]:
    """The tag kinds each enterprise holds on `day` (today by default)."""
    day = day or clock.today()
    ids = sorted(set(enterprise_ids))
    valid = (
        EnterpriseTag.valid_from <= day,
        sa.or_(EnterpriseTag.valid_to.is_(None), EnterpriseTag.valid_to >= day),
    )
    query = sa.select(EnterpriseTag.enterprise_id, EnterpriseTag.tag_kind_id).where(*valid)
    held: dict[int, set[int]] = {}
    if len(ids) > MANY_ENTERPRISES:
        wanted = set(ids)
        for enterprise_id, kind_id in db.session.execute(query):
            if enterprise_id in wanted:
                held.setdefault(enterprise_id, set()).add(kind_id)
        return held
    for start in range(0, len(ids), MANY_ENTERPRISES):
        part = ids[start : start + MANY_ENTERPRISES]
        for enterprise_id, kind_id in db.session.execute(
            query.where(EnterpriseTag.enterprise_id.in_(part))
        ):
            held.setdefault(enterprise_id, set()).add(kind_id)
    return held


def tags_of(enterprise: Enterprise, day: date | None = None) -> list[EnterpriseTag]:
    """The enterprise's tags valid on `day`, for its profile."""
    day = day or clock.today()
    return list(
        db.session.scalars(
            sa.select(EnterpriseTag)
            .where(
                EnterpriseTag.enterprise_id == enterprise.id,
                EnterpriseTag.valid_from <= day,
                sa.or_(EnterpriseTag.valid_to.is_(None), EnterpriseTag.valid_to >= day),
            )
            .options(sa.orm.joinedload(EnterpriseTag.kind))
            .order_by(EnterpriseTag.tag_kind_id)
        )
    )


def listing(user: User, kind_id: int | None = None, q: str = "") -> sa.Select:
    """The tags an official may see: enterprises in their region only."""
    stmt = (
        sa.select(EnterpriseTag)
        .join(Enterprise, Enterprise.id == EnterpriseTag.enterprise_id)
        .options(
            sa.orm.contains_eager(EnterpriseTag.enterprise), sa.orm.joinedload(EnterpriseTag.kind)
        )
        .where(*scope.where_enterprise(user, EnterpriseTag.enterprise_id))
        .order_by(EnterpriseTag.tag_kind_id, Enterprise.name, EnterpriseTag.valid_from)
    )
    if kind_id:
        stmt = stmt.where(EnterpriseTag.tag_kind_id == kind_id)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(sa.or_(Enterprise.name.like(like), Enterprise.credit_code.like(like)))
    return stmt


def get_for(user: User, tag_id: int) -> EnterpriseTag | None:
    tag = db.session.get(EnterpriseTag, tag_id)
    if tag is None or not scope.sees_enterprise(user, tag.enterprise):
        return None
    return tag


@dataclass
class TagInput:
    credit_code: str = ""
    kind: str = ""  # a tag kind's code or name
    valid_from: date | None = None
    valid_to: date | None = None
    source: str = ""


def _kind(value: str) -> TagKind | None:
    value = (value or "").strip()
    if not value:
        return None
    return db.session.scalar(
        sa.select(TagKind).where(sa.or_(TagKind.code == value, TagKind.name == value))
    )


def check(user: User, data: TagInput, known: dict | None = None) -> tuple[FieldErrors, dict]:
    """Every problem of one tag; on success the enterprise and kind it names."""
    errors = FieldErrors()
    found: dict = {}
    try:
        code = credit_code.validate(data.credit_code)
    except ValidationFailed as bad:
        errors.add("credit_code", bad.message)
        code = None
    if code is not None:
        enterprise = (
            (known or {}).get(code)
            if known is not None
            else db.session.scalar(sa.select(Enterprise).where(Enterprise.credit_code == code))
        )
        if enterprise is None:
            errors.add("credit_code", _l("No enterprise with this credit code is registered."))
        elif not scope.sees_enterprise(user, enterprise):
            errors.add("credit_code", _l("This enterprise is outside your region."))
        else:
            found["enterprise"] = enterprise
    kind = _kind(data.kind)
    if kind is None:
        errors.add("kind", _l("Choose one of the lists (tag names are in the template)."))
    else:
        found["kind"] = kind
    if data.valid_from is None:
        errors.add("valid_from", _l("Enter the date the enterprise was listed (YYYY-MM-DD)."))
    elif data.valid_to is not None and data.valid_to < data.valid_from:
        errors.add("valid_to", _l("The end of validity is before its start."))
    if len(data.source or "") > 200:
        errors.add("source", _l("At most 200 characters."))
    return errors, found


def duplicate(enterprise_id: int, kind_id: int, valid_from: date, but: int | None = None) -> bool:
    stmt = sa.select(EnterpriseTag.id).where(
        EnterpriseTag.enterprise_id == enterprise_id,
        EnterpriseTag.tag_kind_id == kind_id,
        EnterpriseTag.valid_from == valid_from,
    )
    if but is not None:
        stmt = stmt.where(EnterpriseTag.id != but)
    return db.session.scalar(stmt) is not None


def new_tag(user: User, data: TagInput, found: dict) -> EnterpriseTag:
    """The tag a checked row describes (`found` as check() gives it); its source defaults to
    the list's name."""
    return EnterpriseTag(
        enterprise_id=found["enterprise"].id,
        tag_kind_id=found["kind"].id,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        source=(data.source or "").strip() or found["kind"].name,
        recorded_by_id=user.id,
    )


def add(user: User, data: TagInput) -> EnterpriseTag:
    errors, found = check(user, data)
    if not errors.errors and duplicate(found["enterprise"].id, found["kind"].id, data.valid_from):
        errors.add("valid_from", _l("This enterprise is already on this list from that date."))
    errors.raise_if_any()
    tag = new_tag(user, data, found)
    db.session.add(tag)
    db.session.flush()
    record(user, "tag_added", tag, changes={"kind": found["kind"].code})
    db.session.commit()
    _rematch([tag.enterprise_id])
    return tag


def update(user: User, tag: EnterpriseTag, valid_to: date | None, source: str) -> EnterpriseTag:
    if not scope.sees_enterprise(user, tag.enterprise):
        raise NotAllowed(_("This enterprise is outside your region."))
    if valid_to is not None and valid_to < tag.valid_from:
        raise ValidationFailed(_l("The end of validity is before its start."), field="valid_to")
    before = {"valid_to": str(tag.valid_to), "source": tag.source}
    tag.valid_to = valid_to
    tag.source = (source or "").strip() or tag.kind.name
    record(user, "tag_changed", tag, changes={"before": before})
    db.session.commit()
    _rematch([tag.enterprise_id])
    return tag


def remove(user: User, tag: EnterpriseTag) -> None:
    if not scope.sees_enterprise(user, tag.enterprise):
        raise NotAllowed(_("This enterprise is outside your region."))
    enterprise_id = tag.enterprise_id
    record(user, "tag_removed", tag, changes={"enterprise": enterprise_id})
    db.session.delete(tag)
    db.session.commit()
    _rematch([enterprise_id])


def add_kind(user: User, name: str, name_en: str = "") -> TagKind:
    """A custom list of the official's own (e.g. 县级重点培育企业)."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationFailed(_l("Give the list a name of at most 64 characters."), field="name")
    if db.session.scalar(sa.select(TagKind.id).where(TagKind.name == name)) is not None:
        raise ValidationFailed(_l("A list with this name exists already."), field="name")
    kind = TagKind(
        code=f"custom-{db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(TagKind.id), 0))) + 1}",
        name=name,
        name_en=(name_en or "").strip()[:96],
        builtin=False,
        region_code=user.region_code,
    )
    db.session.add(kind)
    db.session.flush()
    record(user, "tag_kind_added", kind, changes={"name": name})
    db.session.commit()
    return kind


def _rematch(enterprise_ids) -> None:
    """Tags decide the enterprises' own eligibility (products naming a list, programmes for
    its holders) and nothing else: the job queue rematches their needs only. A new list
    (`add_kind`) has no holders and no product or programme names it yet: nothing to do."""
    from app.matches.narrow import request_enterprises

    request_enterprises(enterprise_ids)
