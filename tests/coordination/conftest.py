"""Fixtures of the coordination mechanism: coordinators of a town, visits, recommendations."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.coordination import screening, visits
from app.models.coordination import AuthorisationMethod, Standard, coordinator_regions
from app.models.enums import Guarantee, Purpose, Role
from tests.web.test_routing import make_product  # noqa: F401  (a fixture, shared)

TOWN = "990121001"
OTHER_TOWN = "990121002"
COUNTY = "990121"


@pytest.fixture()
def make_coordinator(db, make_user):
    def make(*codes: str):
        user = make_user(Role.COORDINATOR)
        db.session.execute(
            sa.insert(coordinator_regions),
            [{"user_id": user.id, "region_code": c} for c in (codes or (TOWN,))],
        )
        db.session.commit()
        return user

    return make


def visit_input(code: str, *, authorised: bool = True, **fields) -> visits.VisitInput:
    values = dict(
        credit_code=code,
        visited_on=clock.today(),
        operating=True,
        fixed_place=True,
        has_need=True,
        amount_wan=Decimal("200"),
        term_months=12,
        purpose=Purpose.WORKING_CAPITAL,
        guarantee=Guarantee.CREDIT,
        authorised_by=AuthorisationMethod.SIGNED_FORM if authorised else None,
        authorised_on=clock.today() if authorised else None,
    )
    values.update(fields)
    return visits.VisitInput(**values)


def all_met(bank_ids=()) -> screening.ScreeningInput:
    return screening.ScreeningInput(
        met=dict.fromkeys(Standard, True), bank_ids=list(bank_ids), note=""
    )


@pytest.fixture()
def recommended(db, make_enterprise, make_coordinator, make_user, make_bank):
    """A business visited with authorisation and recommended to the banks given."""

    def make(*banks, authorised: bool = True, region: str = TOWN):
        enterprise = make_enterprise(region_code=region)
        coordinator = make_coordinator(region)
        visit = visits.record_visit(visit_input(enterprise.credit_code), coordinator)
        declaration = visit_declaration(db, visit)
        official = make_user(Role.OFFICIAL)
        screening.screen(declaration, all_met([b.id for b in banks]), official)
        if not authorised:
            visit.authorised_by = None
            visit.authorised_on = None
            db.session.commit()
        return declaration

    return make


def visit_declaration(db, visit):
    from app.models import Declaration

    return db.session.scalar(sa.select(Declaration).where(Declaration.visit_id == visit.id))
