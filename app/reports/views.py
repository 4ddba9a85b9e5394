from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.forms import EmptyForm
from app.i18n import current_language
from app.models import Bank, Event, db
from app.models.enums import BankType, EnterpriseSize, Role
from app.reference.industries import SECTIONS
from app.regions import services as region_services
from app.reports import bp, exports, rollup, services
from app.security import OVERSIGHT_ROLES, request_user, roles

SUMMARY_ROLES = (*OVERSIGHT_ROLES, Role.BANK_MANAGER)


def _compute() -> tuple:
    user = request_user()
    f = services.filters_from(request.args, user)
    figures = services.figures(f, current_language())
    return user, f, figures


def _download(content, mimetype: str, stem: str, suffix: str) -> Response:
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={stem}.{suffix}"},
    )


@bp.route("/reports/summary")
@roles(*SUMMARY_ROLES)
def summary():
    user, f, figures = _compute()
    sort = request.args.get("sort", "amount")
    sort = sort if sort in services.LEAGUE_SORTS else "amount"
    return render_template(
        "reports/summary.html",
        f=f,
        headline=figures.headline,
        language=current_language(),
        breakdowns=figures.breakdowns,
        disbursed_by_month=figures.disbursed_by_month,
        funnel=figures.funnel,
        league=services.sort_league(figures.league, sort),
        sort=sort,
        watch=services.watch_list(f),
        rollup=rollup.rollup(f, current_language()),
        pending=services.pending_verifications(f) if user.role in OVERSIGHT_ROLES else None,
        is_bank=user.role is Role.BANK_MANAGER,
        banks=db.session.query(Bank).order_by(Bank.bank_type, Bank.name).all(),
        events=db.session.query(Event).order_by(Event.held_on.desc()).all(),
        region_levels=region_services.picker_levels(f.region, root=services.home_region_of(user)),
        sections=SECTIONS,
        bank_types=BankType.choices(),
        sizes=EnterpriseSize.choices(),
        remind_form=EmptyForm(),
        counting_rules=exports.counting_rules(),
        args=f.as_args(),
    )


@bp.route("/reports/summary.xlsx")
@roles(*SUMMARY_ROLES)
def summary_xlsx():
    _user, f, figures = _compute()
    content = exports.workbook(
        figures.headline,
        current_language(),
        figures.breakdowns,
        figures.funnel,
        services.sort_league(figures.league),
    )
    content = rollup.add_sheet(content, rollup.rollup(f, current_language()))
    return _download(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f.file_stem("summary", figures.headline.as_of),
        "xlsx",
    )


@bp.route("/reports/summary.csv")
@roles(*SUMMARY_ROLES)
def summary_csv():
    _user, f, figures = _compute()
    table = request.args.get("table") or "bank"
    if table == "funnel":
        header, rows, _formats = exports.funnel_table(figures.funnel)
    elif table == "league":
        header, rows, _formats = exports.league_table(services.sort_league(figures.league))
    else:
        found = [b for b in figures.breakdowns if b.key == table]
        if not found:
            abort(404)
        header, rows, _formats = exports.breakdown_table(found[0])
    return _download(
        exports.to_csv(header, rows),
        "text/csv",
        f.file_stem(table, figures.headline.as_of),
        "csv",
    )


@bp.route("/reports/remind/<int:bank_id>", methods=["POST"])
@roles(*OVERSIGHT_ROLES)
def remind(bank_id: int):
    bank = db.session.get(Bank, bank_id) or abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    text = _(
        "Please answer the overdue needs and follow up the agreements without disbursement on the watch list."
    )
    sent = services.remind(request_user(), bank, text)
    flash(
        _("Reminder sent to %(n)s managers of %(bank)s.", n=sent, bank=bank.short_name), "success"
    )
    return redirect(url_for("reports.summary", **request.args))
