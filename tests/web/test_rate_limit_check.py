"""Flask-Limiter's check before every view is dropped while no request-wide limit is set
(app/ops/rate_limits.py); decorated limits are checked by their decorators either way."""

from __future__ import annotations

from app.extensions import limiter
from app.ops.rate_limits import has_request_wide_limits


def test_the_app_sets_no_request_wide_limit_so_no_check_runs_before_each_view(app):
    assert not has_request_wide_limits()
    assert limiter._check_request_limit not in app.before_request_funcs[None]


def test_a_decorated_limit_is_still_enforced_without_the_check(client, db):
    # /mechanism/consent/<token> allows 60 GETs an hour from one address.
    for n in range(60):
        assert client.get(f"/mechanism/consent/unknown{n}").status_code == 404
    assert client.get("/mechanism/consent/unknown60").status_code == 429


def test_a_default_limit_keeps_the_check_before_each_view(make_app):
    try:
        limited = make_app(RATELIMIT_DEFAULT="2 per minute", RATELIMIT_HEADERS_ENABLED=False)
        assert limiter._check_request_limit in limited.before_request_funcs[None]
        client = limited.test_client()
        codes = [client.get("/health").status_code for _ in range(3)]
    finally:
        # The limiter is one object per process: its manager keeps what the last app set.
        limiter.limit_manager.set_default_limits([])
    assert codes == [200, 200, 429]
