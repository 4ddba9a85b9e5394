"""Screening outcomes, the negative list, deadlines, the watch list, the joint review queue,
renewals, the API feedback and the report's as-of rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from app import clock
from app.coordination import feedback, report, screening, visits
from app.coordination.cli import coordination_group
from app.errors import ValidationFailed
from app.models import Declaration, MechanismDeadline, Notification, Region
from app.models.coordination import (
    DeclarationStatus,
    NegativeKind,
    RecommendationStatus,
    RefusalReason,
    Standard,
)
from app.models.enums import Role
from tests.conftest import PASSWORD
from tests.coordination.conftest import COUNTY, TOWN, all_met, visit_input


def _declaration(db, enterprise, coordinator):
    visit = visits.record_visit(visit_input(enterprise.credit_code), coordinator)
    return db.session.scalar(sa.select(Declaration).where(Declaration.visit_id == visit.id))


def _grant(rec, officer, days=20):
    return feedback.record_decision(
        rec,
        officer,
        feedback.DecisionInput(
            granted=True,
            amount_wan=Decimal("100"),
            rate=Decimal("4.00"),
            term_months=12,
            credit_loan=False,
            maturity_on=clock.today() + timedelta(days=days),
        ),
    )


def test_a_failed_standard_screens_out_with_its_reason(
    db, make_user, make_enterprise, make_coordinator
):
    user = make_user(Role.ENTERPRISE)
    declaration = _declaration(db, user.enterprise, make_coordinator())
    data = all_met()
    data.met[Standard.FIXED_PLACE] = False
    data.notes[Standard.FIXED_PLACE] = "租用临时摊位"
    screening.screen(declaration, data, make_user(Role.OFFICIAL))
    assert declaration.status is DeclarationStatus.SCREENED_OUT
    assert declaration.need_id is None
    assert declaration.screening["fixed_place"] == {"met": False, "note": "租用临时摊位"}
    told = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == user.id, Notification.kind == "mechanism_screened_out"
        )
    )
    assert told is not None


def test_a_no_without_a_note_is_refused_beside_the_standard(
    client, db, login, make_enterprise, make_coordinator, make_user
):
    declaration = _declaration(db, make_enterprise(), make_coordinator())
    login(make_user(Role.OFFICIAL))
    answers = {s.value: "yes" for s in Standard}
    answers["good_credit"] = "no"
    response = client.post(f"/mechanism/declarations/{declaration.id}/screen", data=answers)
    assert response.status_code == 422
    assert 'id="good_credit-error"' in response.get_data(as_text=True)
    db.session.refresh(declaration)
    assert declaration.status is DeclarationStatus.DECLARED


def test_the_negative_list_screens_out_a_listed_business(
    client, db, login, make_user, make_enterprise, make_coordinator
):
    enterprise = make_enterprise()
    official = make_user(Role.OFFICIAL)
    login(official)
    response = client.post(
        "/mechanism/negative-list",
        data={
            "kind": "judgement_defaulter",
            "credit_code": enterprise.credit_code,
            "industry_code": "",
            "note": "法院名单",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    declaration = _declaration(db, enterprise, make_coordinator())
    screening.screen(declaration, all_met(), official)
    assert declaration.status is DeclarationStatus.SCREENED_OUT
    assert declaration.negative_hits == [
        {"kind": NegativeKind.JUDGEMENT_DEFAULTER.value, "note": "法院名单"}
    ]


def test_an_excluded_industry_on_the_negative_list(
    db, make_user, make_enterprise, make_coordinator
):
    official = make_user(Role.OFFICIAL)
    screening.add_negative_entry(official, NegativeKind.EXCLUDED_INDUSTRY, "", "13", "")
    declaration = _declaration(db, make_enterprise(industry_code="13"), make_coordinator())
    screening.screen(declaration, all_met(), official)
    assert declaration.status is DeclarationStatus.SCREENED_OUT


def test_a_region_sets_its_own_deadlines(db, recommended, make_bank):
    db.session.add(MechanismDeadline(region_code=COUNTY, contact_working_days=1, decision_days=10))
    db.session.commit()
    rec = recommended(make_bank()).recommendations[0]
    assert rec.decision_due_at - rec.sent_at == timedelta(days=10)
    assert screening.deadlines_for(TOWN) == (1, 10)
    assert screening.deadlines_for("990122") == (3, 30)


def test_overdue_feedback_is_on_the_watch_list(db, recommended, make_bank, make_user):
    bank = make_bank()
    rec = recommended(bank).recommendations[0]
    official = make_user(Role.OFFICIAL)
    assert feedback.watch_list(official) == []
    later = rec.contact_due_at + timedelta(minutes=1)
    assert feedback.watch_list(official, now=later) == [rec]
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    assert feedback.watch_list(officer, now=later) == [rec]
    assert feedback.watch_list(make_user(Role.BANK_OFFICER), now=later) == []


def test_a_business_every_bank_refused_goes_to_the_joint_review(
    client, db, login, recommended, make_bank, make_user
):
    banks = [make_bank(), make_bank()]
    declaration = recommended(*banks)
    official = make_user(Role.OFFICIAL)
    for rec in declaration.recommendations[:1]:
        feedback.record_decision(
            rec,
            make_user(Role.BANK_OFFICER, bank=rec.bank),
            feedback.DecisionInput(granted=False, refusal_reason=RefusalReason.CASH_FLOW),
        )
    assert feedback.joint_review_queue(official) == []
    rec = declaration.recommendations[1]
    feedback.record_decision(
        rec,
        make_user(Role.BANK_OFFICER, bank=rec.bank),
        feedback.DecisionInput(
            granted=False, refusal_reason=RefusalReason.OTHER, refusal_note="经营地址变更"
        ),
    )
    assert feedback.joint_review_queue(official) == [declaration]
    login(official)
    response = client.post(
        f"/mechanism/declarations/{declaration.id}/joint-review",
        data={"reviewed_on": clock.today().isoformat(), "outcome": "引入政府性融资担保后重新推送"},
    )
    assert response.status_code == 302
    assert feedback.joint_review_queue(official) == []
    assert declaration.joint_review.outcome == "引入政府性融资担保后重新推送"


def test_other_reason_needs_a_note(recommended, make_bank, make_user):
    import pytest

    from app.errors import ValidationFailed

    bank = make_bank()
    rec = recommended(bank).recommendations[0]
    with pytest.raises(ValidationFailed) as caught:
        feedback.record_decision(
            rec,
            make_user(Role.BANK_OFFICER, bank=bank),
            feedback.DecisionInput(granted=False, refusal_reason=RefusalReason.OTHER),
        )
    assert "refusal_note" in caught.value.fields


def test_renewals_without_principal_are_counted(db, recommended, make_bank, make_user):
    bank = make_bank()
    declaration = recommended(bank)
    rec = declaration.recommendations[0]
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    _grant(rec, officer)
    feedback.record_tranche(rec, officer, Decimal("100"), clock.today())
    feedback.record_renewal(
        rec, officer, Decimal("100"), clock.today(), clock.today() + timedelta(days=365), True
    )
    assert rec.maturity_on == clock.today() + timedelta(days=365)
    official = make_user(Role.OFFICIAL)
    row = next(
        r
        for r in report.region_report(
            official, db.session.get(Region, COUNTY), None, clock.today()
        ).rows
        if r.key == TOWN
    )
    assert (row.renewed, row.renewed_amount) == (1, Decimal("1000000.00"))
    assert (row.no_principal, row.no_principal_amount) == (1, Decimal("1000000.00"))


def test_the_remind_command_reminds_once(app, db, recommended, make_bank, make_user):
    bank = make_bank()
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    rec = recommended(bank).recommendations[0]
    _grant(rec, officer, days=60)
    runner = CliRunner()
    with app.app_context():
        out = runner.invoke(coordination_group, ["remind"], obj=None, standalone_mode=False)
    assert "Renewal reminders sent: 0." in out.output  # 60 days out: not yet
    assert feedback.send_renewal_reminders(clock.today() + timedelta(days=31)) == 1


def test_a_past_date_figure_does_not_change_afterwards(db, recommended, make_bank, make_user):
    bank = make_bank()
    rec = recommended(bank).recommendations[0]
    official = make_user(Role.OFFICIAL)
    county = db.session.get(Region, COUNTY)
    yesterday = clock.today() - timedelta(days=1)
    before = report.region_report(official, county, None, yesterday).total
    _grant(rec, make_user(Role.BANK_OFFICER, bank=bank))
    after = report.region_report(official, county, None, yesterday).total
    assert (
        (before.granted, before.granted_amount) == (after.granted, after.granted_amount) == (0, 0)
    )
    today = report.region_report(official, county, clock.today(), clock.today()).total
    assert today.granted == 1


def test_the_api_records_feedback_and_answers_bad_input_with_422(
    client, db, recommended, make_bank, make_user
):
    bank = make_bank()
    rec = recommended(bank).recommendations[0]
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    token = client.post("/api/v1/tokens", json={"login": officer.email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    bad = client.post(
        f"/api/v1/recommendations/{rec.id}/feedback",
        json={"decision": "granted", "amount": "1000000.00"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert {"rate", "maturity_on"} <= set(bad.get_json()["error"]["fields"])
    assert db.session.get(type(rec), rec.id).status is RecommendationStatus.SENT
    contacted = datetime.now(UTC).isoformat()
    good = client.post(
        f"/api/v1/recommendations/{rec.id}/feedback",
        json={
            "contacted_at": contacted,
            "decision": "granted",
            "amount": "1000000.00",
            "rate": "3.90",
            "term_months": 12,
            "credit_loan": True,
            "maturity_on": (clock.today() + timedelta(days=365)).isoformat(),
            "tranche": {"amount": "400000.00", "lent_on": clock.today().isoformat()},
        },
        headers=headers,
    )
    assert good.status_code == 200, good.get_json()
    body = good.get_json()
    assert (body["status"], body["granted_amount"], body["lent_total"]) == (
        "granted",
        "1000000.00",
        "400000.00",
    )
    other = make_user(Role.BANK_OFFICER)
    token = client.post("/api/v1/tokens", json={"login": other.email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert client.get(f"/api/v1/recommendations/{rec.id}", headers=headers).status_code == 404


def test_the_renewal_reminder_runs_as_a_scheduled_job(app, db, recommended, make_bank, make_user):
    from app.jobs.runner import enqueue
    from app.models import JobStatus

    bank = make_bank()
    officer = make_user(Role.BANK_OFFICER, bank=bank)
    _grant(recommended(bank).recommendations[0], officer, days=10)
    run = enqueue("coordination.remind")
    assert (run.status, run.result) == (JobStatus.SUCCEEDED, {"reminded": 1})
    assert enqueue("coordination.remind").result == {"reminded": 0}  # once per maturity
    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule["coordination.remind"]["task"] == "coordination.remind"


def test_taking_an_entry_off_the_negative_list_asks_first(client, db, login, make_user):
    official = make_user(Role.OFFICIAL)
    screening.add_negative_entry(official, NegativeKind.EXCLUDED_INDUSTRY, "", "13", "")
    db.session.commit()
    login(official)
    page = client.get("/mechanism/negative-list?lang=en").get_data(as_text=True)
    form = page[page.index("/remove") :].split(">", 1)[0]
    assert 'data-confirm="Remove this entry from the negative list?' in form


def test_the_mechanisms_pages_name_towns_and_industries_in_the_readers_language(
    client, db, login, make_user, make_enterprise, make_coordinator
):
    enterprise = make_enterprise(region_code="990121001", industry_code="62")
    declaration = _declaration(db, enterprise, make_coordinator())
    db.session.commit()
    login(make_user(Role.OFFICIAL))
    pages = [
        f"/mechanism/visits/{declaration.visit_id}",
        "/mechanism/visits",
        f"/mechanism/declarations/{declaration.id}",
        "/mechanism/declarations",
        "/mechanism/report?region=990121001",
    ]
    for path in pages:
        english = client.get(f"{path}{'&' if '?' in path else '?'}lang=en").get_data(as_text=True)
        assert "Chengguan" in english and "城关镇" not in english, path
        chinese = client.get(f"{path}{'&' if '?' in path else '?'}lang=zh").get_data(as_text=True)
        assert "城关镇" in chinese, path
    report = client.get("/mechanism/report?region=990121&lang=en").get_data(as_text=True)
    assert "Demo County" in report and ">Chengguan</a>" in report


def test_a_recommendation_names_its_town_and_industry_in_english(
    client, db, login, make_user, make_bank, recommended
):
    declaration = recommended(make_bank())
    rec = declaration.recommendations[0]
    industry = declaration.enterprise.industry
    login(make_user(Role.OFFICIAL))
    page = client.get(f"/mechanism/recommendations/{rec.id}?lang=en").get_data(as_text=True)
    assert "Chengguan" in page and industry.name_en in page and f">{industry.name}<" not in page


def test_the_recommended_list_goes_to_lenders_not_to_a_guarantee_agency(
    client, db, login, make_user, make_bank, make_agency, recommended
):
    # An agency has no page for a recommendation's contact and decision: sent one, it
    # would only fall overdue on the mechanism's watch list.
    agency, bank = make_agency(), make_bank()
    declaration = recommended(bank)
    official = make_user(Role.OFFICIAL)
    login(official)
    page = client.get(f"/mechanism/declarations/{declaration.id}").get_data(as_text=True)
    push = page[page.index("/push") :]
    assert f'value="{bank.id}"' in page and f'value="{agency.id}"' not in push
    response = client.post(
        f"/mechanism/declarations/{declaration.id}/push", data={"bank_id": str(agency.id)}
    )
    assert response.status_code in (400, 422)
    with pytest.raises(ValidationFailed):
        screening.push_to_bank(declaration, agency.id, official)
    assert [r.bank_id for r in declaration.recommendations] == [bank.id]
