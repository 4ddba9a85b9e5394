"""A need with two banks: the enterprise accepted the first, the second only had it routed."""

from __future__ import annotations

import io

from PIL import Image

from app.engagements import services as engagements
from tests.web.test_engagements import _engagement, make_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return out.getvalue()


def consented_world(db, make_user, make_bank) -> dict:
    world = make_world(db, make_user, make_bank)
    accepted = _engagement(db, world, 0)
    engagements.pick_up(accepted, world["banks"][0]["officer"])
    engagements.accept(accepted, world["owner"])
    world["accepted"] = accepted
    world["routed"] = _engagement(db, world, 1)
    return world
