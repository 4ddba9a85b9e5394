import hashlib

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import ngettext
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app import clock, versions
from app.errors import DomainError
from app.forms import EmptyForm
from app.i18n import current_language
from app.models import Bank, Event, db
from app.models.base import utcnow
from app.models.enums import EnterpriseSize, Role
from app.pools import exports as pool_exports
from app.reference.industries import SECTIONS
from app.regions import services as region_services
from app.reports import bp, exports, rollup, services, watch
from app.reports.cache import data_version, events_version, read_ahead, remembered_key
from app.reports.filters import LENDER_TYPES, lenders
from app.reports.headline import headline_key
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
    user = request_user()
    f = services.filters_from(request.args, user)
    sort = request.args.get("sort", "amount")
    sort = sort if sort in services.LEAGUE_SORTS else "amount"
    return render_template("reports/summary.html", content=_content_html(user, f, sort))


def _content_html(user, f, sort: str) -> Markup:
    """The page below the header, kept whole per counted data, events, catalogue, filter
    set, sort, language, day and what the reader's role and place change on it, until a
    row of the watch list turns a day later; each reader's own form token is put in after.
    Rendering it from its kept parts cost as much as the rest of the request."""
    now = utcnow()
    is_bank = user.role is Role.BANK_MANAGER
    parts = (
        data_version(),
        events_version(),
        repr(f),
        current_language(),
        sort,
        clock.today(),
        user.role.value,
        user.region_code or "",
        user.bank_id if is_bank else "",
    )
    key = versions.key("summary-content", parts)
    (found,) = versions.read(key)
    if found is not None and now < found[0]:
        html = found[1]
    else:
        token = generate_csrf()
        until, rendered = _render_content(user, f, sort, now)
        html = rendered.replace(token, versions.READER_SLOT)
        versions.keep(key, (until, html))
    # Rendered by our own autoescaped templates; the token is URL-safe base64 and dots.
    return Markup(html.replace(versions.READER_SLOT, generate_csrf()))  # noqa: S704  # nosec B704


def _render_content(user, f, sort: str, now) -> tuple:
    _read_ahead(user, f, sort, now)
    kept_watch = watch.kept_watch_list(f, now=now)
    html = render_template(
        "reports/_content.html",
        f=f,
        # Only the sentence is read on every fresh render; the figures behind the kept
        # sections are fetched when those are rendered afresh.
        headline=services.headline(f, language=current_language()),
        language=current_language(),
        figures_html=_figures_html(f, sort),
        watch_html=_watch_html(user, f, now, kept_watch),
        pending=watch.kept_pending_verifications(f) if user.role in OVERSIGHT_ROLES else None,
        is_bank=user.role is Role.BANK_MANAGER,
        filters_form=_filters_form(user, f),
        counting_rules=_counting_rules(current_language()),
        args=f.as_args(),
    )
    return watch.next_change(kept_watch, now), html


_RULES: dict[str, list[str]] = {}


def _counting_rules(language: str) -> list[str]:
    """The rules in the reader's language, translated once per worker (fixed text)."""
    if language not in _RULES:
        _RULES[language] = exports.counting_rules()
    return _RULES[language]


def _read_ahead(user, f, sort: str, now) -> None:
    """The page's kept parts in one read from the shared cache (they were five)."""
    keys = [
        remembered_key(headline_key(f, f.as_of())),
        remembered_key(watch.watch_key(f, now)),
        versions.key("summary-figures", _figures_parts(f, sort)),
        versions.key("summary-filters", _filters_parts(user, f)),
    ]
    if user.role in OVERSIGHT_ROLES:
        keys.append(remembered_key(watch.pending_key(f)))
    read_ahead(*keys)


def _figures_parts(f, sort: str) -> tuple:
    return (data_version(), repr(f), current_language(), sort, clock.today())


def _filters_parts(user, f) -> tuple:
    # Banks and regions are the catalogue's (in the key already); events have their own
    # version, so a write to agreements does not render the form again.
    is_bank = user.role is Role.BANK_MANAGER
    return (events_version(), repr(f), current_language(), is_bank, user.region_code or "")


def _figures_html(f, sort: str):
    """Funnel, roll-up, breakdowns and league: the same for everyone asking for this filter
    set, sort and language on this day, rendered once per data version."""
    language = current_language()

    def render() -> str:
        figures = services.figures(f, language)
        return render_template(
            "reports/_figures.html",
            f=f,
            language=language,
            breakdowns=figures.breakdowns,
            disbursed_by_month=figures.disbursed_by_month,
            funnel=figures.funnel,
            league=services.sort_league(figures.league, sort),
            sort=sort,
            rollup=rollup.rollup(f, language),
            args=f.as_args(),
            top=services.TOP_ROWS,
            rest_of=services.rest_of,
        )

    return versions.fragment("summary-figures", _figures_parts(f, sort), render)


@bp.route("/reports/summary/table/<table>")
@roles(*SUMMARY_ROLES)
def summary_table(table: str):
    """One of the summary's tables whole, a page at a time (the summary shows its first rows)."""
    if table not in services.TABLES:
        abort(404)
    user, f, figures = _compute()
    sort = request.args.get("sort", "amount")
    sort = sort if sort in services.LEAGUE_SORTS else "amount"
    breakdown = roll = None
    is_bank = user.role is Role.BANK_MANAGER
    if table == "league":
        rows = services.sort_league(figures.league, sort)
    elif table == "rollup":
        roll = rollup.rollup(f, current_language())
        rows = roll.rows if roll is not None else []
    elif table == "watch":
        now = utcnow()
        whole = watch.whole_watch_list(f, now=now)
        rows = [(w, w.days_late(now)) for w in whole.rows]
    else:
        breakdown = next(b for b in figures.breakdowns if b.key == table)
        rows = breakdown.rows
    if table == "rollup" and roll is None:
        abort(404)  # a town has no regions under it to roll up
    return render_template(
        "reports/table.html",
        table=table,
        breakdown=breakdown,
        rollup=roll,
        listing=services.table_page(rows, request.args.get("page", 1, type=int)),
        sort=sort,
        headline=figures.headline,
        language=current_language(),
        args=f.as_args(),
        is_bank=is_bank,
        remind_hidden="" if is_bank else _token_field(),
    )


REMIND_SLOT = Markup("<!--remind-form-token-->")


def _watch_html(user, f, now, kept: watch.KeptWatch):
    """The watch list `kept`, rendered once per data version, filter set, language and the
    days late of its rows; each reader's own form token is put in after."""
    days = [w.days_late(now) for w in kept.rows]
    is_bank = user.role is Role.BANK_MANAGER
    language = current_language()

    def render() -> str:
        shown = kept.rows[: services.TOP_ROWS]
        overdue_shown = sum(1 for w in shown if w.kind == "overdue")
        return render_template(
            "reports/_watch.html",
            watch=kept,
            watch_days=list(zip(shown, days, strict=False)),
            rest=services.rest_of(kept.rows, total=kept.overdue_total + kept.stalled_total),
            overdue_hidden=kept.overdue_total - overdue_shown,
            stalled_hidden=kept.stalled_total - (len(shown) - overdue_shown),
            is_bank=is_bank,
            remind_hidden=REMIND_SLOT,
            args=f.as_args(),
        )

    digest = hashlib.sha256(repr(days).encode()).hexdigest()[:16]
    parts = (data_version(), repr(f), language, is_bank, digest)
    html = versions.fragment("summary-watch", parts, render)
    if is_bank:
        return html
    # The token is the reader's own: our form's hidden tag, escaped by WTForms.
    return Markup(html.replace(REMIND_SLOT, _token_field()))  # noqa: S704  # nosec B704


def _token_field() -> Markup:
    """What `EmptyForm().hidden_tag()` prints, without building a form for it."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return Markup("")
    return Markup(  # noqa: S704  # nosec B704 - escaped here
        f'<input id="csrf_token" name="csrf_token" type="hidden" value="{escape(generate_csrf())}">'
    )


def _filters_form(user, f):
    """The filter form: a few hundred options (banks, events, towns), rendered once per
    catalogue and events version for each filter set, language and home region."""
    is_bank = user.role is Role.BANK_MANAGER
    language = current_language()

    def render() -> str:
        return render_template(
            "reports/_filters.html",
            f=f,
            is_bank=is_bank,
            current_language=language,
            banks=lenders(),
            events=db.session.query(Event).order_by(Event.held_on.desc()).all(),
            region_levels=region_services.picker_levels(
                f.region, root=services.home_region_of(user)
            ),
            sections=SECTIONS,
            bank_types=[(t.value, t.label) for t in LENDER_TYPES],
            sizes=EnterpriseSize.choices(),
        )

    return versions.fragment("summary-filters", _filters_parts(user, f), render)


@bp.route("/reports/summary.xlsx")
@roles(*SUMMARY_ROLES)
def summary_xlsx():
    user, f, figures = _compute()
    content = exports.workbook(
        figures.headline,
        current_language(),
        figures.breakdowns,
        figures.funnel,
        services.sort_league(figures.league),
        _more_sheets(user, f),
    )
    return _download(
        content,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f.file_stem("summary", figures.headline.as_of),
        "xlsx",
    )


def _more_sheets(user, f) -> list:
    """The roll-up, the pools and the subsidy commitments, added to the one workbook (each
    reopening and rewriting the file took seconds at province scale)."""
    roll = rollup.rollup(f, current_language())
    now = utcnow()
    whole_watch = watch.whole_watch_list(f, now=now)
    sheets = [
        lambda book: rollup.add_sheet(book, roll),
        lambda book: exports.add_watch_sheet(book, whole_watch, now),
        lambda book: pool_exports.add_sheet(book, user),
    ]
    if user.role in OVERSIGHT_ROLES:
        from app.programmes import exports as programme_exports

        sheets.append(lambda book: programme_exports.add_sheet(book, user))
    return sheets


@bp.route("/reports/summary.csv")
@roles(*SUMMARY_ROLES)
def summary_csv():
    _user, f, figures = _compute()
    table = request.args.get("table") or "bank"
    if table == "funnel":
        header, rows, _formats = exports.funnel_table(figures.funnel)
    elif table == "rollup":
        roll = rollup.rollup(f, current_language())
        if roll is None:
            abort(404)
        header, rows = rollup.table(roll)
    elif table == "watch":
        now = utcnow()
        header, rows, _formats = exports.watch_table(watch.whole_watch_list(f, now=now), now)
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
    user = request_user()
    try:
        # The home region's watch list, whatever the page's own filters were.
        sent = services.remind(user, bank, services.filters_from({}, user))
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(url_for("reports.summary", **request.args))
    flash(
        ngettext(
            "Reminder sent to %(num)s manager of %(bank)s.",
            "Reminder sent to %(num)s managers of %(bank)s.",
            sent,
            bank=bank.short_name,
        ),
        "success",
    )
    return redirect(url_for("reports.summary", **request.args))
