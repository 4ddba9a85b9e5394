"""Banks' feedback in bulk: the recommended-list sheet filled in and uploaded back.
Every row or none; each bad row is reported with its line."""

from __future__ import annotations

from datetime import datetime, time

from flask_babel import gettext as _

from app import clock
from app.coordination import feedback
from app.coordination.exports import recommended_header
from app.errors import DomainError
from app.excel_import import (
    BadCell,
    Problem,
    SheetErrors,
    date,
    decimal,
    integer,
    messages,
    parse_yes_no,
    read_rows,
    text,
)
from app.models import User, db
from app.models.coordination import RecommendationStatus, RefusalReason

R = RecommendationStatus


def _decision(value) -> bool | None:
    written = text(value).lower()
    if not written:
        return None
    if written in {str(R.GRANTED.label).lower(), "granted", "授信", "已授信"}:
        return True
    if written in {str(R.REFUSED.label).lower(), "not granted", "refused", "未授信"}:
        return False
    raise BadCell(_("Decision: write %(yes)s or %(no)s.", yes=R.GRANTED.label, no=R.REFUSED.label))


def _reason(value) -> RefusalReason | None:
    written = text(value)
    if not written:
        return None
    for reason in RefusalReason:
        if written in (reason.value, str(reason.label)):
            return reason
    raise BadCell(
        _("Reason not granted: %(value)s is not one of the listed reasons.", value=written)
    )


def _moment(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=clock.zone())


def _message(error: DomainError) -> str:
    fields = getattr(error, "fields", None) or {}
    return messages(fields) if fields else str(error.message)


def _apply_row(cells: list, labels: list[str], user: User) -> None:
    rec_id = integer(cells[0], labels[0])
    rec = feedback.get_for(user, rec_id) if rec_id else None
    if rec is None:
        raise BadCell(_("Recommendation no. %(id)s is not one of your bank's.", id=text(cells[0])))
    contacted_on = date(cells[13], labels[13])
    granted = _decision(cells[14])
    if contacted_on and rec.status is R.SENT:
        if contacted_on > clock.today():
            raise BadCell(_("Contacted on: the date cannot be in the future."))
        feedback.record_contact(rec, user, now=_moment(contacted_on), commit=False)
    if granted is not None and rec.status not in (R.GRANTED, R.REFUSED):
        data = feedback.DecisionInput(
            granted=granted,
            amount_wan=decimal(cells[15], labels[15]),
            rate=decimal(cells[16], labels[16]),
            term_months=integer(cells[17], labels[17]),
            credit_loan=bool(parse_yes_no(cells[18])),
            maturity_on=date(cells[19], labels[19]),
            refusal_reason=_reason(cells[20]),
            refusal_note=text(cells[21]),
        )
        feedback.record_decision(rec, user, data, commit=False)
    lent = decimal(cells[22], labels[22])
    if lent is not None:
        feedback.record_tranche(rec, user, lent, date(cells[23], labels[23]), commit=False)


def apply_sheet(stream, user: User) -> int:
    """Every row's feedback or none; raises SheetErrors listing each bad row's line."""
    labels = recommended_header()
    # A row counts when the bank wrote in it: the columns from "Contacted on" on.
    rows = read_rows(
        stream,
        labels,
        header_message=_("The first row must be the exported sheet's header row."),
        filled=slice(13, None),
    )
    problems, count = [], 0
    for line, cells in rows:
        try:
            with db.session.begin_nested():
                _apply_row(cells, labels, user)
            count += 1
        except BadCell as bad:
            problems.append(Problem(line, str(bad)))
        except DomainError as error:
            problems.append(Problem(line, _message(error)))
    if problems:
        db.session.rollback()
        raise SheetErrors(problems)
    db.session.commit()
    return count
