"""A page of a web list: like the lists that count their own pages, a page past the end
shows the last one (the pager says the page asked for does not exist) rather than a 404."""

from __future__ import annotations

from app.models import db


def page_of(stmt, page: int | None, per_page: int):
    listing = db.paginate(stmt, page=page or 1, per_page=per_page, error_out=False)
    if listing.page > max(listing.pages, 1):
        listing = db.paginate(stmt, page=max(listing.pages, 1), per_page=per_page, error_out=False)
    return listing
