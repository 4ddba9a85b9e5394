"""Banks' feedback in bulk: the recommended-list sheet filled in and uploaded back.
Every row or none; each bad row is reported with its line."""

from __future__ import annotations

from datetime import datetime, time

from flask_babel import gettext as _

from app import clock
from app.coordination import feedback
from app.coordination.exports import parse_yes_no, recommended_header
from app.coordination.roster import (
    Problem,
    _Bad,
    _date,
    _decimal,
    _int,
    _message,
    _text,
    open_sheet,
)
from app.errors import DomainError
from app.models import User, db
from app.models.coordination import RecommendationStatus, RefusalReason

R = RecommendationStatus


class SheetErrors(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} bad rows")
        self.problems = problems


def _decision(value) -> bool | None:
    text = _text(value).lower()
    if not text:
        return None
    if text in {str(R.GRANTED.label).lower(), "granted", "授信", "已授信"}:
        return True
    if text in {str(R.REFUSED.label).lower(), "not granted", "refused", "未授信"}:
        return False
    raise _Bad(_("Decision: write %(yes)s or %(no)s.", yes=R.GRANTED.label, no=R.REFUSED.label))


def _reason(value) -> RefusalReason | None:
    text = _text(value)
    if not text:
        return None
    for reason in RefusalReason:
        if text in (reason.value, str(reason.label)):
            return reason
    raise _Bad(_("Reason not granted: %(value)s is not one of the listed reasons.", value=text))


def _moment(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=clock.zone())


def _apply_row(cells: list, user: User) -> None:
    rec_id = _int(cells[0], recommended_header()[0])
    rec = feedback.get_for(user, rec_id) if rec_id else None
    if rec is None:
        raise _Bad(_("Recommendation no. %(id)s is not one of your bank's.", id=_text(cells[0])))
    contacted_on = _date(cells[13], recommended_header()[13])
    granted = _decision(cells[14])
    if contacted_on and rec.status is R.SENT:
        if contacted_on > clock.today():
            raise _Bad(_("Contacted on: the date cannot be in the future."))
        feedback.record_contact(rec, user, now=_moment(contacted_on), commit=False)
    if granted is not None and rec.status not in (R.GRANTED, R.REFUSED):
        data = feedback.DecisionInput(
            granted=granted,
            amount_wan=_decimal(cells[15], "amount"),
            rate=_decimal(cells[16], "rate"),
            term_months=_int(cells[17], "term"),
            credit_loan=bool(parse_yes_no(cells[18])),
            maturity_on=_date(cells[19], recommended_header()[19]),
            refusal_reason=_reason(cells[20]),
            refusal_note=_text(cells[21]),
        )
        feedback.record_decision(rec, user, data, commit=False)
    lent = _decimal(cells[22], recommended_header()[22])
    if lent is not None:
        feedback.record_tranche(
            rec, user, lent, _date(cells[23], recommended_header()[23]), commit=False
        )


def apply_sheet(stream, user: User) -> int:
    sheet = open_sheet(stream)
    if sheet is None:
        raise SheetErrors([Problem(0, _("This is not an Excel (.xlsx) file."))])
    labels = recommended_header()
    rows = iter(sheet)
    header = next(rows, None)
    if header is None or [_text(h) for h in header[: len(labels)]] != labels:
        raise SheetErrors([Problem(1, _("The first row must be the exported sheet's header row."))])
    problems, count = [], 0
    for line, raw in enumerate(rows, start=2):
        cells = list(raw) + [None] * (len(labels) - len(raw))
        if not any(_text(v) for v in cells[13:]):
            continue
        try:
            with db.session.begin_nested():
                _apply_row(cells, user)
            count += 1
        except _Bad as bad:
            problems.append(Problem(line, str(bad)))
        except DomainError as error:
            problems.append(Problem(line, _message(error)))
    if problems:
        db.session.rollback()
        raise SheetErrors(problems)
    db.session.commit()
    return count
