"""The roll-up rebuilt in set-based SQL on PostgreSQL: the same facts → rows as
`rollup.contribution`, for millions of facts at once (the tests compare both to the report
counted from the facts)."""

# ruff: noqa: S608 - the SQL is fixed text; the only value, the time zone's name, is checked
from __future__ import annotations

import re

import sqlalchemy as sa

from app import clock
from app.models import db

RECS = "recommendations r JOIN declarations d ON d.id = r.declaration_id"


def _sql(template: str, zone: str) -> str:
    """The template's {RECS} joined, each {local:column} as the column's local calendar day."""
    text = template.replace("{RECS}", RECS)
    return re.sub(r"\{local:([\w.]+)\}", rf"((\1) AT TIME ZONE '{zone}')::date", text)


MARKS = """
CREATE TEMP TABLE rollup_marks ON COMMIT DROP AS
SELECT region_code AS region, 0 AS bank_id, 'visited'::text AS metric, 'r' AS kinds,
       enterprise_id AS e, visited_on AS day FROM visits
UNION ALL SELECT region_code, 0, 'with_need', 'r', enterprise_id, visited_on
       FROM visits WHERE has_need
UNION ALL SELECT region_code, 0, 'declared', 'r', enterprise_id, declared_on FROM declarations
UNION ALL SELECT region_code, 0, 'recommended', 'r', enterprise_id, screened_on
       FROM declarations WHERE status = 'recommended' AND screened_on IS NOT NULL
UNION ALL SELECT d.region_code, r.bank_id, 'sent', 'b', d.enterprise_id, {local:r.sent_at}
       FROM {RECS}
UNION ALL SELECT d.region_code, r.bank_id, 'contacted', 'rb', d.enterprise_id,
       {local:r.contacted_at} FROM {RECS} WHERE r.contacted_at IS NOT NULL
UNION ALL SELECT d.region_code, r.bank_id, 'on_time', 'rb', d.enterprise_id,
       {local:r.contacted_at} FROM {RECS}
       WHERE r.contacted_at IS NOT NULL AND r.contacted_at <= r.contact_due_at
UNION ALL SELECT d.region_code, r.bank_id, 'granted', 'rb', d.enterprise_id,
       {local:r.decided_at} FROM {RECS}
       WHERE r.status = 'granted' AND r.decided_at IS NOT NULL
UNION ALL SELECT d.region_code, r.bank_id, 'refused', 'rb', d.enterprise_id,
       {local:r.decided_at} FROM {RECS}
       WHERE r.status = 'refused' AND r.decided_at IS NOT NULL
UNION ALL SELECT d.region_code, r.bank_id, 'lent', 'rb', d.enterprise_id, t.lent_on
       FROM tranches t JOIN {RECS} ON r.id = t.recommendation_id
UNION ALL SELECT d.region_code, r.bank_id, 'renewed', 'rb', d.enterprise_id, n.renewed_on
       FROM renewals n JOIN {RECS} ON r.id = n.recommendation_id
UNION ALL SELECT d.region_code, r.bank_id, 'no_principal', 'rb', d.enterprise_id, n.renewed_on
       FROM renewals n JOIN {RECS} ON r.id = n.recommendation_id WHERE n.without_principal
"""

ADDS = """
CREATE TEMP TABLE rollup_adds ON COMMIT DROP AS
SELECT d.region_code AS region, r.bank_id, 'contact_late'::text AS metric,
       {local:r.contact_due_at} AS day, 1 AS n, 0::numeric AS amount, 0::numeric AS rate_amount
       FROM {RECS} WHERE r.contacted_at IS NULL OR r.contacted_at > r.contact_due_at
UNION ALL SELECT d.region_code, r.bank_id, 'decision_late', {local:r.decision_due_at}, 1, 0, 0
       FROM {RECS} WHERE r.decided_at IS NULL OR r.decided_at > r.decision_due_at
UNION ALL SELECT d.region_code, r.bank_id, 'granted', {local:r.decided_at}, 0,
       coalesce(r.granted_amount, 0), coalesce(r.granted_amount, 0) * coalesce(r.rate, 0)
       FROM {RECS} WHERE r.status = 'granted' AND r.decided_at IS NOT NULL
UNION ALL SELECT d.region_code, r.bank_id, 'credit', {local:r.decided_at}, 0,
       coalesce(r.granted_amount, 0), 0
       FROM {RECS} WHERE r.status = 'granted' AND r.decided_at IS NOT NULL AND r.credit_loan
UNION ALL SELECT d.region_code, r.bank_id, 'refusal:' || coalesce(r.refusal_reason, ''),
       {local:r.decided_at}, 1, 0, 0
       FROM {RECS} WHERE r.status = 'refused' AND r.decided_at IS NOT NULL
UNION ALL SELECT d.region_code, r.bank_id, 'lent', t.lent_on, 0, t.amount, 0
       FROM tranches t JOIN {RECS} ON r.id = t.recommendation_id
UNION ALL SELECT d.region_code, r.bank_id, 'renewed', n.renewed_on, 0, n.amount, 0
       FROM renewals n JOIN {RECS} ON r.id = n.recommendation_id
UNION ALL SELECT d.region_code, r.bank_id, 'no_principal', n.renewed_on, 0, n.amount, 0
       FROM renewals n JOIN {RECS} ON r.id = n.recommendation_id WHERE n.without_principal
"""

DISTINCT_MARKS = """
CREATE TEMP TABLE rollup_r ON COMMIT DROP AS
SELECT DISTINCT region, metric, e, day FROM rollup_marks WHERE kinds LIKE '%r%';
CREATE TEMP TABLE rollup_b ON COMMIT DROP AS
SELECT DISTINCT s.scope, m.bank_id, m.metric, m.e, m.day
FROM rollup_marks m JOIN rollup_scopes s ON s.kind = 'b' AND s.code = m.region
WHERE m.kinds LIKE '%b%'
"""

DAYS = """
INSERT INTO mechanism_rollup (kind, scope, bank_id, metric, day, n, amount, rate_amount)
SELECT kind, scope, bank_id, metric, day, sum(n), sum(amount), sum(rate_amount) FROM (
    SELECT 'r' AS kind, s.scope, 0 AS bank_id, m.metric, m.day, count(*) AS n,
           0::numeric AS amount, 0::numeric AS rate_amount
    FROM rollup_r m JOIN rollup_scopes s ON s.kind = 'r' AND s.code = m.region
    GROUP BY s.scope, m.metric, m.day
    UNION ALL
    SELECT 'b', scope, bank_id, metric, day, count(*), 0, 0
    FROM rollup_b GROUP BY scope, bank_id, metric, day
    UNION ALL
    SELECT s.kind, s.scope, CASE WHEN s.kind = 'r' THEN 0 ELSE a.bank_id END, a.metric, a.day,
           sum(a.n), sum(a.amount), sum(a.rate_amount)
    FROM rollup_adds a JOIN rollup_scopes s ON s.code = a.region
    GROUP BY 1, 2, 3, 4, 5
) u
GROUP BY kind, scope, bank_id, metric, day
"""

REPEATS = """
INSERT INTO mechanism_rollup_repeats (kind, scope, bank_id, metric, prev_day, day, n)
SELECT kind, scope, bank_id, metric, prev_day, day, sum(n) FROM (
    SELECT 'r' AS kind, s.scope, 0 AS bank_id, p.metric, p.prev_day, p.day, count(*) AS n
    FROM (
        SELECT region, metric, day,
               lag(day) OVER (PARTITION BY region, metric, e ORDER BY day) AS prev_day
        FROM rollup_r
    ) p JOIN rollup_scopes s ON s.kind = 'r' AND s.code = p.region
    WHERE p.prev_day IS NOT NULL
    GROUP BY s.scope, p.metric, p.prev_day, p.day
    UNION ALL
    SELECT 'b', scope, bank_id, metric, prev_day, day, count(*)
    FROM (
        SELECT scope, bank_id, metric, day,
               lag(day) OVER (PARTITION BY scope, bank_id, metric, e ORDER BY day) AS prev_day
        FROM rollup_b
    ) p
    WHERE prev_day IS NOT NULL
    GROUP BY scope, bank_id, metric, prev_day, day
) u
GROUP BY kind, scope, bank_id, metric, prev_day, day
"""


def rebuild_postgresql() -> None:
    from app.coordination.rollup import Scopes

    codes = set(db.session.scalars(sa.text("SELECT DISTINCT region_code FROM visits")))
    codes |= set(db.session.scalars(sa.text("SELECT DISTINCT region_code FROM declarations")))
    scopes = Scopes()
    scopes.load(codes)
    # Dropped at commit; dropped here too for a caller inside a longer transaction.
    db.session.execute(
        sa.text("DROP TABLE IF EXISTS rollup_scopes, rollup_marks, rollup_adds, rollup_r, rollup_b")
    )
    db.session.execute(
        sa.text(
            "CREATE TEMP TABLE rollup_scopes (kind varchar(1), code varchar(16), "
            "scope varchar(16)) ON COMMIT DROP"
        )
    )
    rows = [
        {"kind": kind, "code": code, "scope": s}
        for code in codes
        for kind, found in (("r", scopes.region(code)), ("b", scopes.bank(code)))
        for s in found
    ]
    if rows:
        db.session.execute(sa.text("INSERT INTO rollup_scopes VALUES (:kind, :code, :scope)"), rows)
    # CREATE TABLE AS takes no bound parameters: the zone's name, checked, goes in as text.
    zone = clock.zone().key
    if not re.fullmatch(r"[A-Za-z0-9_/+-]+", zone):
        raise ValueError(f"unexpected time zone name {zone!r}")
    db.session.execute(sa.text(_sql(MARKS, zone)))
    db.session.execute(sa.text(_sql(ADDS, zone)))
    for statement in DISTINCT_MARKS.split(";"):
        db.session.execute(sa.text(statement))
    db.session.execute(sa.text(DAYS))
    db.session.execute(sa.text(REPEATS))
