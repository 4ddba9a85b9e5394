import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.forms import apply_error
from app.models import Bank, Product, db
from app.models.enums import ProductStatus, Role
from app.pools import bp, ledger, services
from app.pools.forms import FilingForm, LossForm, PayoutForm, PoolForm, yuan
from app.pools.services import PoolInput
from app.pools.tags import tag
from app.security import BANK_ROLES, public, request_user, roles


def _pool_form(**kwargs) -> PoolForm:
    banks = db.session.scalars(sa.select(Bank).where(Bank.active).order_by(Bank.id))
    products = db.session.scalars(
        sa.select(Product)
        .where(Product.status != ProductStatus.RETIRED)
        .order_by(Product.bank_id, Product.id)
    )
    return PoolForm(list(banks), list(products), **kwargs)


def _in_wan(error: DomainError) -> DomainError:
    """The services name the amount `amount` (yuan, as the API); the forms take 万元."""
    fields = getattr(error, "fields", None)
    if fields and "amount" in fields:
        error.fields = {("amount_wan" if k == "amount" else k): v for k, v in fields.items()}
    if error.field == "amount":
        error.field = "amount_wan"
    return error


@bp.route("/pools")
@public
def index():
    pools = services.list_pools()
    return render_template(
        "pools/index.html", pools=pools, figures=ledger.figures_of(pools), tag=tag
    )


def render_pool(pool, *, filing_form=None, loss_forms=None, payout_forms=None, status=200):
    """The pool's page; a form that failed comes back with its messages beside the fields."""
    user = request_user()
    filings = ledger.filings_seen_by(pool, user)
    filable = ledger.filable(pool, user) if user is not None else []
    is_official = user is not None and services.get_for_official(user, pool.id) is not None
    loss_forms = loss_forms or {}
    payout_forms = payout_forms or {}
    if user is not None and user.role in BANK_ROLES:
        for filing in filings:
            loss_forms.setdefault(filing.id, LossForm(prefix=f"loss{filing.id}"))
    if is_official:
        for filing in filings:
            for loss in filing.losses:
                if loss.payout is None:
                    payout_forms.setdefault(loss.id, PayoutForm(prefix=f"pay{loss.id}"))
    return render_template(
        "pools/detail.html",
        pool=pool,
        tag=tag(pool),
        figures=ledger.figures_of([pool])[pool.id],
        filings=filings,
        outstanding={f.id: ledger.outstanding(f) for f in filings},
        shares={loss.id: ledger.share_of(loss) for f in filings for loss in f.losses},
        filing_form=filing_form or (FilingForm(filable) if filable else None),
        loss_forms=loss_forms,
        payout_forms=payout_forms,
        is_official=is_official,
    ), status


@bp.route("/pools/<int:pool_id>")
@public
def detail(pool_id: int):
    pool = services.get(pool_id) or abort(404)
    return render_pool(pool)


@bp.route("/pools/new", methods=["GET", "POST"])
@roles(Role.OFFICIAL)
def new():
    form = _pool_form()
    if form.validate_on_submit():
        try:
            pool = services.save(form.to_input(), request_user())
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Pool saved."), "success")
            return redirect(url_for("pools.detail", pool_id=pool.id))
    return render_template(
        "banks/form.html",
        form=form,
        title=_("New risk-compensation pool"),
        cancel=url_for("pools.index"),
    ), 422 if form.errors else 200


@bp.route("/pools/<int:pool_id>/edit", methods=["GET", "POST"])
@roles(Role.OFFICIAL)
def edit(pool_id: int):
    user = request_user()
    pool = services.get_for_official(user, pool_id) or abort(404)
    form = _pool_form()
    if not form.is_submitted():
        form.fill(PoolInput.from_pool(pool), pool.version)
    elif form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            services.save(form.to_input(), user, pool, version)
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Pool saved."), "success")
            return redirect(url_for("pools.detail", pool_id=pool.id))
    return render_template(
        "banks/form.html",
        form=form,
        title=_("Edit the pool"),
        cancel=url_for("pools.detail", pool_id=pool.id),
    ), 422 if form.errors else 200


@bp.route("/pools/<int:pool_id>/filings", methods=["POST"])
@roles(*BANK_ROLES)
def file_loan(pool_id: int):
    user = request_user()
    pool = services.get(pool_id) or abort(404)
    form = FilingForm(ledger.filable(pool, user))
    if form.validate_on_submit():
        agreement_id = form.agreement_id.data
        try:
            ledger.file_under(pool, int(agreement_id) if agreement_id.isdigit() else 0, user)
        except DomainError as error:
            db.session.rollback()
            apply_error(form, error, default_field="agreement_id")
        else:
            flash(_("Filed under the pool."), "success")
            return redirect(url_for("pools.detail", pool_id=pool.id))
    return render_pool(pool, filing_form=form, status=422)


@bp.route("/pool-filings/<int:filing_id>/losses", methods=["POST"])
@roles(*BANK_ROLES)
def report_loss(filing_id: int):
    user = request_user()
    filing = ledger.get_filing_for_bank(user, filing_id) or abort(404)
    form = LossForm(prefix=f"loss{filing.id}")
    if form.validate_on_submit():
        try:
            ledger.report_loss(
                filing, user, yuan(form.amount_wan.data), form.occurred_on.data, form.note.data
            )
        except DomainError as error:
            db.session.rollback()
            apply_error(form, _in_wan(error), default_field="amount_wan")
        else:
            flash(_("Loss reported. The pool's officials have it."), "success")
            return redirect(url_for("pools.detail", pool_id=filing.pool_id))
    return render_pool(filing.pool, loss_forms={filing.id: form}, status=422)


@bp.route("/pool-losses/<int:loss_id>/payout", methods=["POST"])
@roles(Role.OFFICIAL)
def record_payout(loss_id: int):
    user = request_user()
    loss = ledger.get_loss_for_official(user, loss_id) or abort(404)
    form = PayoutForm(prefix=f"pay{loss.id}")
    if form.validate_on_submit():
        try:
            ledger.pay(loss, user, yuan(form.amount_wan.data), form.paid_on.data, form.note.data)
        except DomainError as error:
            db.session.rollback()
            apply_error(form, _in_wan(error), default_field="amount_wan")
        else:
            flash(_("Payout recorded."), "success")
            return redirect(url_for("pools.detail", pool_id=loss.pool_id))
    return render_pool(loss.filing.pool, payout_forms={loss.id: form}, status=422)
