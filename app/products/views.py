from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app import clock, versions
from app.calculator.forms import FIELDS as CALCULATOR_FIELDS
from app.calculator.forms import from_query
from app.errors import DomainError
from app.forms import add_service_errors, apply_error
from app.i18n import current_language
from app.matches.services import rematch_state
from app.models.enums import BankType, EnterpriseSize, Guarantee, ProductStatus, ProductType, Role
from app.ops.limits import numbers_checked_by_form
from app.pools.tags import tags_for
from app.products import bp, services
from app.products.forms import ApplyForm, ProductForm, StatusForm
from app.regions import services as region_services
from app.security import BANK_ROLES, public, request_user, roles

STATUS_ACTIONS = {
    "publish": ProductStatus.PUBLISHED,
    "retire": ProductStatus.RETIRED,
    "revise": ProductStatus.DRAFT,
}


def _own_product(product_id: int):
    user = request_user()
    product = services.get_for_bank_user(user, product_id)
    if product is None:
        abort(404)
    return user, product


@bp.route("/bank/products")
@roles(*BANK_ROLES)
def bank_index():
    user = request_user()
    bank = user.branch.bank
    return render_template(
        "products/bank_index.html",
        bank=bank,
        products=services.bank_products(bank),
        can_edit=services.can_edit_products(user, bank),
        status_form=StatusForm(),
    )


@bp.route("/bank/products/new", methods=["GET", "POST"])
@roles(*BANK_ROLES)
def new():
    user = request_user()
    bank = user.branch.bank
    if not services.can_edit_products(user, bank):
        flash(_("Your bank's manager has not allowed officers to edit products."), "warning")
        return redirect(url_for("products.bank_index"))
    form = ProductForm(bank)
    if form.validate_on_submit():
        try:
            product = services.create(user, bank, form.to_input())
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Saved as a draft. Publish it to show it in the supermarket."), "success")
            return redirect(url_for("products.bank_detail", product_id=product.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check(bank, form.to_input(), clock.today()))
    return render_template("products/form.html", form=form, product=None)


@bp.route("/bank/products/<int:product_id>")
@numbers_checked_by_form(*CALCULATOR_FIELDS)
@roles(*BANK_ROLES)
def bank_detail(product_id: int):
    user, product = _own_product(product_id)
    calculator, result = from_query(request.args, product)
    return render_template(
        "products/detail.html",
        product=product,
        pool_tags=tags_for([product.id]),
        can_edit=services.can_edit_products(user, product.bank),
        status_form=StatusForm(version=str(product.version)),
        apply_form=None,
        calculator=calculator,
        quote=result,
        rematch=rematch_state(product),
    )


@bp.route("/bank/products/<int:product_id>/edit", methods=["GET", "POST"])
@roles(*BANK_ROLES)
def edit(product_id: int):
    user, product = _own_product(product_id)
    if not services.can_edit_products(user, product.bank):
        flash(_("Your bank's manager has not allowed officers to edit products."), "warning")
        return redirect(url_for("products.bank_detail", product_id=product.id))
    form = ProductForm(product.bank)
    if request.method == "GET":
        form.fill(services.ProductInput.from_product(product), product.version)
    if form.validate_on_submit():
        try:
            services.update(user, product, form.to_input(), form.version_number())
        except DomainError as error:
            apply_error(form, error)
        else:
            flash(_("Product saved."), "success")
            return redirect(url_for("products.bank_detail", product_id=product.id))
    elif form.is_submitted():
        add_service_errors(
            form, lambda: services.check(product.bank, form.to_input(), clock.today())
        )
    return render_template("products/form.html", form=form, product=product)


@bp.route("/bank/products/<int:product_id>/<any(publish, retire, revise):action>", methods=["POST"])
@roles(*BANK_ROLES)
def change_status(product_id: int, action: str):
    user, product = _own_product(product_id)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.change_status(user, product, STATUS_ACTIONS[action], form.version_number())
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        flash(_("The product is now: %(status)s.", status=product.status.label), "success")
    return redirect(url_for("products.bank_detail", product_id=product.id))


# Public supermarket ----------------------------------------------------------------------


def _enum(cls, raw):
    return cls(raw) if raw in {m.value for m in cls} else None


def _filters_from_args(args) -> services.ProductFilters:
    try:
        amount = Decimal(args.get("amount", "").strip()) if args.get("amount", "").strip() else None
        if amount is not None and (not amount.is_finite() or amount <= 0):
            amount = None
    except InvalidOperation:
        amount = None
    term = args.get("term", type=int)
    return services.ProductFilters(
        amount_wan=amount,
        term_months=term if term and term > 0 else None,
        guarantee=_enum(Guarantee, args.get("guarantee")),
        product_type=_enum(ProductType, args.get("type")),
        bank_id=args.get("bank", type=int),
        bank_type=_enum(BankType, args.get("bank_type")),
        industry_code=(args.get("industry") or "").strip()[:4],
        size=_enum(EnterpriseSize, args.get("size")),
        region_code=region_services.chosen_from(args, "region"),
        first_loan=args.get("first_loan") in ("1", "on", "y"),
        q=(args.get("q") or "")[:50],
        sort=args.get("sort") if args.get("sort") in services.SORTS else "rate",
    )


@bp.route("/products")
@public
def public_index():
    """The supermarket is the same for every visitor: its content is kept per catalogue
    version, language, day and query, and rendered again only when one of them changes."""
    filters = _filters_from_args(request.args)
    page = request.args.get("page", 1, type=int)

    def render() -> str:
        listing = services.search(filters, page)
        return render_template(
            "products/_supermarket.html",
            listing=listing,
            pool_tags=tags_for(p.id for p in listing.items),
            f=filters,
            banks=services.filter_banks(),
            region_levels=region_services.picker_levels(filters.region_code),
            industries=services.industry_filter_options(),
            guarantee_choices=Guarantee.choices(),
            type_choices=ProductType.choices(),
            bank_type_choices=BankType.choices(),
            size_choices=EnterpriseSize.choices(),
        )

    # Keyed by the parsed filters, not the raw query, so junk parameters share one entry.
    key = (current_language(), clock.today(), repr(filters), page)
    return render_template(
        "products/index.html", content=versions.fragment("supermarket", key, render)
    )


@bp.route("/products/<int:product_id>")
@numbers_checked_by_form(*CALCULATOR_FIELDS)
@public
def public_detail(product_id: int):
    product = services.public_product(product_id)
    if product is None:
        abort(404)
    user = request_user()
    apply_form = None
    enterprise = None
    if user is not None and user.role is Role.ENTERPRISE:
        apply_form = ApplyForm(services.open_needs_of(user))
        enterprise = user.enterprise
    calculator, result = from_query(request.args, product, enterprise)
    return render_template(
        "products/detail.html",
        product=product,
        pool_tags=tags_for([product.id]),
        apply_form=apply_form,
        can_edit=False,
        status_form=None,
        calculator=calculator,
        quote=result,
    )


@bp.route("/products/<int:product_id>/apply", methods=["POST"])
@roles(Role.ENTERPRISE)
def apply(product_id: int):
    product = services.public_product(product_id)
    if product is None:
        abort(404)
    user = request_user()
    form = ApplyForm(services.open_needs_of(user))
    if form.validate_on_submit():
        try:
            services.apply(user, product, int(form.need_id.data))
        except DomainError as error:
            apply_error(form, error, default_field="need_id")
        else:
            flash(
                _(
                    "Sent. %(bank)s will answer within the response deadline.",
                    bank=product.bank.short_name,
                ),
                "success",
            )
            return redirect(url_for("needs.detail", need_id=int(form.need_id.data)))
    calculator, result = from_query({}, product, user.enterprise)
    return render_template(
        "products/detail.html",
        product=product,
        pool_tags=tags_for([product.id]),
        apply_form=form,
        can_edit=False,
        status_form=None,
        calculator=calculator,
        quote=result,
    ), 422


@bp.route("/products/compare")
@public
def public_compare():
    ids = [int(x) for x in request.args.getlist("ids") if x.isdigit()]
    products = services.compare(ids)
    return render_template("products/compare.html", products=products, too_many=len(set(ids)) > 4)
