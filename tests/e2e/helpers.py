"""What every journey does: sign in, read a number off a page, save a screenshot, run axe."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

from tests.e2e.conftest import AXE, SCREENSHOTS

DEMO_PASSWORD = "Rongqiao-demo-2026"
OFFICIAL = "official@demo.rongqiao.cn"
MANAGER = "manager@abc.demo.rongqiao.cn"
OFFICER = "officer@abc.demo.rongqiao.cn"
ENTERPRISE = "enterprise@demo.rongqiao.cn"
ADMIN = "admin@demo.rongqiao.cn"


def sign_in(page, login: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("form#login-form button[type=submit], #submit")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]


def submit(page, form_selector: str) -> None:
    """Press the form's submit button and wait for the answer."""
    with page.expect_navigation():
        page.locator(f"{form_selector} [type=submit]").first.click()


SENTENCE = re.compile(
    r"截至 (\d+)年(\d+)月(\d+)日，\S*?共有 (\d+) 户企业与 (\d+) 家商业银行签订了意向协议，协议金额 ([\d.]+) 亿元"
)


def sentence_figures(page) -> tuple[int, int, Decimal]:
    text = page.locator("#summary-sentence").inner_text()
    found = SENTENCE.search(text)
    assert found, text
    return int(found[4]), int(found[5]), Decimal(found[6])


def breakdown_rows(page, key: str) -> dict[str, tuple[int, Decimal]]:
    """{label: (agreements, amount in 万元)} from a breakdown table of the summary page."""
    rows = {}
    for row in page.locator(f"#breakdown-{key} table tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        if len(cells) < 5:
            continue
        label = row.locator("th summary").first if row.locator("th summary").count() else None
        name = (label.inner_text() if label else row.locator("th").inner_text()).strip()
        rows[name] = (int(cells[2]), Decimal(cells[3].replace(",", "")))
    return rows


def shot(page, name: str, *, full_page: bool = True) -> Path:
    """A screenshot for the README; long pages as JPEG to keep the repository small. The same
    name in the other format is removed, so a page that grew past the limit does not leave its
    old picture behind and its new one untracked (the README names the one kept)."""
    if full_page and page.evaluate("document.documentElement.scrollHeight") > 2400:
        path = SCREENSHOTS / f"{name}.jpg"
        page.screenshot(path=str(path), full_page=True, type="jpeg", quality=80)
    else:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
    path.with_suffix(".png" if path.suffix == ".jpg" else ".jpg").unlink(missing_ok=True)
    return path


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    # Evaluated through DevTools, so the page's strict CSP stays on while axe runs.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in impacts]


def assert_accessible(page) -> None:
    bad = axe_violations(page)
    assert not bad, f"{page.url}: " + json.dumps(bad, ensure_ascii=False, indent=1)
