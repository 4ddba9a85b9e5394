"""An event page's list of agreements says whose they are: a bank or an enterprise sees only its
own, and a walk found an enterprise with none reading "No agreement recorded against this
event yet" under "At this event 8 enterprises signed intent agreements"."""

from __future__ import annotations

import sqlalchemy as sa

from app.demo import DEMO_LOGINS, DEMO_PASSWORD
from app.models import Event
from app.models.enums import Role


def _page(client, role, event_id: int, lang: str = "zh") -> str:
    client.post("/login", data={"login": DEMO_LOGINS[role], "password": DEMO_PASSWORD})
    page = client.get(f"/events/{event_id}?lang={lang}").get_data(as_text=True)
    client.post("/logout")
    return page


def test_banks_and_enterprises_are_told_the_list_is_their_own(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    event_id = db.session.scalar(sa.select(Event.id).limit(1))
    official = _page(client, Role.OFFICIAL, event_id)
    assert "本次对接会签订的协议" in official and "我方" not in official
    enterprise = _page(client, Role.ENTERPRISE, event_id, "en")
    assert "At this event" in enterprise
    assert "Your agreements signed at this event" in enterprise
    assert "No agreement recorded against this event yet." not in enterprise
    bank = _page(client, Role.BANK_MANAGER, event_id)
    assert "我方在本次对接会签订的意向协议" in bank
