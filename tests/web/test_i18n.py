from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

from app.models.enums import Role

ROOT = Path(__file__).resolve().parents[2]


def test_a_translated_string_renders_in_each_language(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in english
    assert "登录" not in english.replace("中文", "")


def test_the_page_frame_is_each_languages_and_each_address_prefixs_own(client):
    """The frame's fixed parts are kept between requests: per language, and per prefix the
    app is served under (its styles and scripts are addressed below it)."""
    for _ in range(2):
        chinese = client.get("/login?lang=zh").get_data(as_text=True)
        assert "· 融桥</title>" in chinese and "跳到正文" in chinese
        english = client.get("/login?lang=en").get_data(as_text=True)
        assert "· Rongqiao</title>" in english and "Skip to content" in english
        assert "融桥" not in english.split("<footer")[1]
    assert 'href="/static/css/app.css"' in english
    prefixed = client.get("/login", base_url="http://localhost/county").get_data(as_text=True)
    assert 'href="/county/static/css/app.css"' in prefixed
    assert 'src="/county/static/js/app.js"' in prefixed
    assert 'href="/static/css/app.css"' in client.get("/login").get_data(as_text=True)


def test_the_language_choice_sticks_for_the_session(client):
    client.get("/login?lang=en")
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.get("/login?lang=zh")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_a_signed_in_user_keeps_the_chosen_language(client, login_as):
    user = login_as(Role.OFFICIAL)
    client.get("/official?lang=en")
    assert user.locale == "en"


def test_every_message_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "app/translations/zh/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert missing == [], f"{len(missing)} messages lack a Chinese translation: {missing[:20]}"


def _definitions(po: Path) -> list[tuple[str | None, str]]:
    """Each (context, msgid) as written, live and obsolete alike; babel's reader merges a
    repeated one silently and keeps the first translation, so a second one never shows."""
    found, context, parts, in_id = [], None, [], False
    for raw in po.read_text(encoding="utf-8").splitlines():
        line = raw[3:] if raw.startswith("#~ ") else raw
        if line.startswith("msgctxt "):
            context = line[8:]
        elif line.startswith("msgid "):
            parts, in_id = [line[6:]], True
        elif in_id and line.startswith('"'):
            parts.append(line)
        elif in_id:
            found.append((context, "".join(p.strip('"') for p in parts)))
            context, in_id = None, False
    return [d for d in found if d[1]]


def test_each_message_is_translated_once():
    definitions = _definitions(ROOT / "app/translations/zh/LC_MESSAGES/messages.po")
    repeated = sorted((d for d, n in Counter(definitions).items() if n > 1), key=str)
    assert repeated == []
