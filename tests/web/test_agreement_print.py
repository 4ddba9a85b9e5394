"""The agreement on paper: a printable page and a PDF with the amount in Chinese capitals and a
link that verifies it; an event's signing list; printed only by those who may see it."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from app.agreements import printing
from app.agreements import services as agreements
from app.models import Event, EventParticipant
from app.models.enums import Role
from tests.web.talks import consented_world
from tests.web.test_inbox import _terms


@pytest.fixture()
def world(db, make_user, make_bank):
    world = consented_world(db, make_user, make_bank)
    officer = world["banks"][0]["officer"]
    world["agreement"] = agreements.record_agreement(world["accepted"], officer, _terms("300"))
    agreements.confirm(world["agreement"], world["owner"])
    return world


def switch(client, login, user):
    client.post("/logout")
    login(user)


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_printable_page_shows_the_terms_capitals_record_and_verification(
    client, db, login, world
):
    a = world["agreement"]
    login(world["owner"])
    page = client.get(f"/agreements/{a.id}/print").get_data(as_text=True)
    assert "人民币叁佰万元整" in page
    assert "¥3,000,000.00" in page
    assert world["owner"].enterprise.name in page and a.bank.name in page
    assert "企业确认时间" in page
    # the row names the guarantee method; 保证 alone is one of the methods
    assert f"<th>担保方式</th><td>{a.guarantee.label}</td>" in page
    record = page.split("确认记录")[1]
    assert "已确认" in record and (world["owner"].name in record)
    assert 'src="data:image/svg+xml' in page
    link = re.search(r'href="(http[^"]+/v/\d+/[0-9a-f]{16})"', page).group(1)
    client.post("/logout")
    public = client.get(link.split("localhost", 1)[-1])
    assert public.status_code == 200
    shown = public.get_data(as_text=True)
    assert "本意向协议已在平台登记" in shown and world["owner"].enterprise.name in shown
    # Parties, amount, date and status only: no credit code, contact or rate.
    assert world["owner"].enterprise.credit_code not in shown
    assert world["owner"].enterprise.mobile not in shown


def test_the_printable_page_fits_a_phones_screen(client, db, login, world):
    """An enterprise opens its agreement on a phone: without the viewport the browser laid the
    page out 980 px wide and shrank it to a third, and it asked for a /favicon.ico that is not
    there (a 404 in the console)."""
    login(world["owner"])
    page = client.get(f"/agreements/{world['agreement'].id}/print").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'rel="icon" href="/static/favicon.svg"' in page


def test_a_wrong_code_verifies_nothing(client, db, world):
    a = world["agreement"]
    response = client.get(f"/v/{a.id}/{'0' * 16}")
    assert response.status_code == 404
    assert "可能不是真实的" in response.get_data(as_text=True)
    assert world["owner"].enterprise.name not in response.get_data(as_text=True)


def test_the_pdf_carries_the_chinese_text_and_the_capitals(client, db, login, world):
    if not printing.cjk_font_available():
        pytest.skip("fonts-noto-cjk not installed: the PDF would show Chinese as boxes")
    a = world["agreement"]
    login(world["banks"][0]["manager"])
    response = client.get(f"/agreements/{a.id}/agreement.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    text = pdf_text(response.data)
    assert "人民币叁佰万元整" in text
    assert world["owner"].enterprise.name in text


def test_without_cjk_fonts_the_pdf_says_so(app, client, db, login, world):
    a = world["agreement"]
    login(world["owner"])
    app.config["CJK_FONT_DIR"] = "/nonexistent"
    try:
        response = client.get(f"/agreements/{a.id}/agreement.pdf")
    finally:
        app.config["CJK_FONT_DIR"] = "/usr/share/fonts/opentype/noto"
    assert response.status_code == 200
    assert "CJK fonts are not installed" in pdf_text(response.data)


def test_the_enterprise_its_bank_and_the_regions_officials_print(
    client, db, login, make_user, world
):
    a = world["agreement"]
    for user in (
        world["owner"],
        world["banks"][0]["officer"],
        make_user(Role.OFFICIAL, region_code="990121"),
    ):
        switch(client, login, user)
        assert client.get(f"/agreements/{a.id}/print").status_code == 200


def test_others_cannot_print(client, db, login, make_user, world):
    a = world["agreement"]
    for user, status in (
        (world["banks"][1]["officer"], 404),
        (make_user(Role.ENTERPRISE), 404),
        (make_user(Role.OFFICIAL, region_code="320505"), 404),
        (make_user(Role.COORDINATOR), 403),
    ):
        switch(client, login, user)
        assert client.get(f"/agreements/{a.id}/print").status_code == status
        assert client.get(f"/agreements/{a.id}/agreement.pdf").status_code == status


def _event(db, world) -> Event:
    event = Event(
        title="金秋银企对接会",
        held_on=world["agreement"].signed_on,
        region_code="990121",
        banks=[world["banks"][0]["bank"]],
    )
    db.session.add(event)
    db.session.flush()
    db.session.add(EventParticipant(event_id=event.id, enterprise_id=world["owner"].enterprise_id))
    world["agreement"].event_id = event.id
    db.session.commit()
    return event


def test_officials_of_the_region_get_the_events_signing_list(client, db, login, make_user, world):
    event = _event(db, world)
    login(make_user(Role.OFFICIAL, region_code="990121"))
    response = client.get(f"/events/{event.id}/signing-list.pdf")
    assert response.status_code == 200
    if printing.cjk_font_available():
        # A long name wraps inside its table cell ("测试企业1063有限公\n司").
        text = "".join(pdf_text(response.data).split())
        assert "金秋银企对接会" in text and world["owner"].enterprise.name in text
        assert "人民币叁佰万元整" in text
    switch(client, login, make_user(Role.OFFICIAL, region_code="320505"))
    assert client.get(f"/events/{event.id}/signing-list.pdf").status_code == 404
    for role in (Role.BANK_OFFICER, Role.ENTERPRISE):
        switch(client, login, make_user(role))
        assert client.get(f"/events/{event.id}/signing-list.pdf").status_code == 403


def test_the_printable_page_names_its_icon(client, login, world):
    # Without it Chromium asks for /favicon.ico, a 404 in the console of every print.
    login(world["owner"])
    page = client.get(f"/agreements/{world['agreement'].id}/print").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in page
