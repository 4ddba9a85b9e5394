"""Issue 18 in a browser: the enterprise uploads its statements and writes to the officer of
the bank it accepted; the officer reads, downloads the statements and prints the agreement."""

from __future__ import annotations

import sqlalchemy as sa

from app.agreements.capitals import to_capitals
from tests.e2e.helpers import ENTERPRISE, assert_accessible, shot, sign_in, submit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _demo_agreement(live_app):
    """The demo enterprise's confirmed agreement, its engagement and the officer on it."""
    from app.models import Agreement, User, db

    app = live_app[0]
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == ENTERPRISE))
        agreement = db.session.scalars(
            sa.select(Agreement)
            .where(Agreement.enterprise_id == owner.enterprise_id)
            .order_by(Agreement.id)
        ).first()
        officer = db.session.get(User, agreement.officer_id)
        return (
            agreement.id,
            agreement.engagement_id,
            agreement.need_id,
            officer.email,
            agreement.amount,
        )


def test_upload_message_download_and_print(new_page, live_app, tmp_path):
    agreement_id, engagement_id, need_id, officer_email, amount = _demo_agreement(live_app)
    statements = tmp_path / "2025年财务报表.pdf"
    statements.write_bytes(PDF)
    not_a_pdf = tmp_path / "报表.pdf"
    not_a_pdf.write_text("这不是 PDF")

    page = new_page()
    sign_in(page, ENTERPRISE)
    page.goto("/documents")
    page.select_option("#kind", "financial_statements")
    page.select_option("#need_id", str(need_id))
    page.set_input_files("#file", str(not_a_pdf))
    submit(page, "form[enctype]")
    assert "只能上传 PDF" in page.locator("#file-error").inner_text()
    page.select_option("#need_id", str(need_id))
    page.set_input_files("#file", str(statements))
    submit(page, "form[enctype]")
    assert "2025年财务报表.pdf" in page.content()

    page.goto(f"/engagements/{engagement_id}/messages")
    page.fill("#body", "您好，近两年的财务报表已上传，请查收。")
    page.select_option("#document_id", label="财务报表 · 2025年财务报表.pdf")
    submit(page, f"form[action$='/engagements/{engagement_id}/messages']")
    assert "近两年的财务报表已上传" in page.locator("#messages").inner_text()

    bank = new_page()
    sign_in(bank, officer_email)
    bank.goto(f"/engagements/{engagement_id}/messages")
    assert "近两年的财务报表已上传" in bank.locator("#messages").inner_text()
    with bank.expect_download() as download:
        bank.locator("#messages a", has_text="2025年财务报表.pdf").click()
    assert download.value.suggested_filename == "2025年财务报表.pdf"
    bank.fill("#body", "收到，我们尽快审批。")
    submit(bank, f"form[action$='/engagements/{engagement_id}/messages']")
    assert_accessible(bank)
    shot(bank, "messages_thread")

    bank.goto(f"/agreements/{agreement_id}/print")
    assert bank.locator("#capitals").inner_text() == to_capitals(amount)
    assert f"¥{amount:,.2f}" in bank.content()
    shot(bank, "agreement_print")
    pdf = bank.request.get(f"/agreements/{agreement_id}/agreement.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    page.goto("/documents")
    log = page.locator("table").inner_text()
    assert "2025年财务报表.pdf" in log
