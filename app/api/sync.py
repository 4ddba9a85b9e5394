"""Keeping a bank's system in step without paging through everything (issue 21).

Lists: `updated_since` keeps what changed at or after a time, and `cursor` continues after the
last item read, in order of (updated_at, id), a keyset that neither skips nor repeats rows while
others change; each page gives the `next_cursor` to keep. Single resources: an `ETag` made of the
row's `version` (the one optimistic locking checks) and a digest of the body, so `If-None-Match`
answers 304 when nothing the caller would read has changed.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

from app.models import db


class Cursor(fields.String):
    """Opaque to clients: base64 of the last item's update time and id."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            padded = raw + "=" * (-len(raw) % 4)
            stamp, ident = json.loads(base64.urlsafe_b64decode(padded.encode()))
            moment = datetime.fromisoformat(stamp)
            if moment.tzinfo is None or not isinstance(ident, int) or isinstance(ident, bool):
                raise ValueError
            return moment, ident
        except (ValueError, TypeError, UnicodeError, json.JSONDecodeError):
            raise ValidationError(str(_l("Not a cursor this API gave."))) from None


def encode(moment: datetime, ident: int) -> str:
    raw = json.dumps([moment.isoformat(), ident], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def wants_sync(args: Mapping) -> bool:
    return args.get("updated_since") is not None or args.get("cursor") is not None


def sync_page(stmt: sa.Select, args: Mapping, model) -> dict:
    """The next page in order of update: after the cursor, at or after `updated_since`."""
    updated, ident = model.updated_at, model.id
    if args.get("updated_since") is not None:
        stmt = stmt.where(updated >= args["updated_since"])
    if args.get("cursor") is not None:
        moment, last = args["cursor"]
        stmt = stmt.where(sa.or_(updated > moment, sa.and_(updated == moment, ident > last)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    per_page = args["per_page"]
    items = list(db.session.scalars(stmt.order_by(None).order_by(updated, ident).limit(per_page)))
    if items:
        next_cursor = encode(items[-1].updated_at, items[-1].id)
    elif args.get("cursor") is not None:
        next_cursor = encode(*args["cursor"])
    else:
        next_cursor = None
    return {
        "items": items,
        "total": total,
        "page": 1,
        "per_page": per_page,
        "next_cursor": next_cursor,
    }


def _single_resource() -> bool:
    rule = request.url_rule
    return request.path.startswith("/api/v1/") and rule is not None and rule.rule.endswith("_id>")


def etag(response):
    if (
        request.method != "GET"
        or response.status_code != 200
        or not response.is_json
        or not _single_resource()
    ):
        return response
    body = response.get_data()
    data = response.get_json(silent=True)
    version = data.get("version") if isinstance(data, dict) else None
    digest = hashlib.sha256(body).hexdigest()[:16]
    response.set_etag(f"v{version}-{digest}" if version is not None else digest)
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.after_request(etag)
