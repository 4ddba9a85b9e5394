"""Loan products: the public supermarket, and banks pushing their own products."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale

from app import clock, versions
from app.api import schemas, sync
from app.api.common import SECURED, blueprint, field_names, found_before_body, or_404, page
from app.formatting import exact_wan
from app.models import Bank, Product, db
from app.models.enums import ProductStatus, Role
from app.products import services
from app.products.services import ProductFilters, ProductInput
from app.security import BANK_ROLES, public, request_user, roles

blp = blueprint("api_products", "Loan products and applications to them")

# API field -> (ProductInput attribute, conversion)
ATTRIBUTES = {
    "name": ("name", None),
    "type": ("product_type", None),
    "min_amount": ("min_amount_wan", exact_wan),
    "max_amount": ("max_amount_wan", exact_wan),
    "min_term_months": ("min_term_months", None),
    "max_term_months": ("max_term_months", None),
    "min_rate": ("min_rate", None),
    "max_rate": ("max_rate", None),
    "fee_rate": ("fee_rate", None),
    "upfront_fee_rate": ("upfront_fee_rate", None),
    "upfront_fee_amount": ("upfront_fee_amount", None),
    "monthly_fee_amount": ("monthly_fee_amount", None),
    "guarantee_fee_rate": ("guarantee_fee_rate", None),
    "repayment_methods": ("repayment_methods", set),
    "fees_note": ("fees_note", None),
    "guarantees": ("guarantees", set),
    "industries": ("industry_codes", list),
    "sizes": ("sizes", set),
    "regions": ("region_codes", list),
    "purposes": ("purposes", set),
    "required_tags": ("required_tag_ids", list),
    "min_years": ("min_years", None),
    "min_tax_rating": ("min_tax_rating", None),
    "first_loan": ("first_loan", None),
    "approval_days": ("approval_days", None),
    "requirements": ("requirements", None),
    "documents": ("documents", None),
    "branch_id": ("branch_id", None),
    "valid_until": ("valid_until", None),
}
PRODUCT_PAGE = schemas.page_of(schemas.ProductSchema, "ProductPage", sync=True)
NAMES = {attribute: key for key, (attribute, _) in ATTRIBUTES.items() if attribute != key}


def _attributes(body: dict) -> dict:
    """The ProductInput values of the fields present in `body`."""
    return {
        attribute: convert(body[key]) if convert else body[key]
        for key, (attribute, convert) in ATTRIBUTES.items()
        if key in body
    }


def _input(body: dict) -> ProductInput:
    return ProductInput(**_attributes(body))


def _own_product(product_id: int) -> Product:
    user = request_user()
    product = services.get_for_bank_user(user, product_id)
    if product is None or user.role not in BANK_ROLES:
        return or_404(None)
    return product


@blp.route("/products")
@public
@blp.arguments(schemas.ProductQuerySchema, location="query")
@blp.response(200, PRODUCT_PAGE)
def list_products(args):
    """The product supermarket: published products inside their validity, filtered as on
    the web page. A bank user sending `own=true` gets the bank's products in every status."""
    user = request_user()
    if args["own"] and user is not None and user.role in BANK_ROLES:
        return page(
            sa.select(Product).where(Product.bank_id == user.bank_id).order_by(Product.id),
            args,
            Product,
        )
    filters = ProductFilters(
        amount_wan=exact_wan(args["amount"]),
        term_months=args["term_months"],
        guarantee=args["guarantee"],
        product_type=args["type"],
        bank_id=args["bank"],
        bank_type=args["bank_type"],
        industry_code=args["industry"],
        size=args["size"],
        region_code=args["region"],
        first_loan=args["first_loan"],
        q=args["q"],
        sort=args["sort"],
    )
    if sync.wants_sync(args):
        return page(services.supermarket(filters), args, Product)
    # The same for every caller: dumped once per catalogue version, language, day and query.
    parts = (get_locale(), clock.today(), sorted(args.items()))
    body = versions.kept("api-products", parts, lambda: _dumped(filters, args))
    return current_app.response_class(body, mimetype="application/json")


def _dumped(filters: ProductFilters, args) -> str:
    found = page(services.supermarket(filters), args, Product)
    return current_app.json.dumps(PRODUCT_PAGE().dump(found)) + "\n"


@blp.route("/products", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.ProductFields)
@blp.response(201, schemas.ProductSchema)
def create_product(body):
    """A draft product of the caller's bank; publish it to have it matched."""
    user = request_user()
    bank = db.session.get(Bank, user.bank_id)
    with field_names(NAMES):
        return services.create(user, bank, _input(body))


@blp.route("/products/<int(max=2147483647):product_id>")
@public
@blp.response(200, schemas.ProductSchema)
def get_product(product_id: int):
    """Published products for anyone; the bank's own products in every status for its staff."""
    user = request_user()
    if user is not None:
        own = services.get_for_bank_user(user, product_id)
        if own is not None and user.role is not Role.ENTERPRISE:
            return own
    return or_404(services.public_product(product_id))


@blp.route("/products/<int(max=2147483647):product_id>", methods=["PATCH"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@found_before_body(_own_product, "product_id", "product")
@blp.arguments(schemas.ProductPatchSchema)
@blp.response(200, schemas.ProductSchema)
def update_product(body, product: Product):
    """A JSON Merge Patch (RFC 7396): send only the fields to change, with the `version` you
    read (a stale version answers 409). `null` clears `branch_id`, `min_tax_rating` and
    `valid_until`; lists are replaced whole. The whole product is checked again as merged."""
    merged = replace(ProductInput.from_product(product), **_attributes(body))
    with field_names(NAMES):
        services.update(request_user(), product, merged, body["version"])
    return product


@blp.route("/products/<int(max=2147483647):product_id>/publish", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.VersionSchema)
@blp.response(200, schemas.ProductSchema)
def publish_product(body, product_id: int):
    product = _own_product(product_id)
    return services.change_status(request_user(), product, ProductStatus.PUBLISHED, body["version"])


@blp.route("/products/<int(max=2147483647):product_id>/retire", methods=["POST"])
@roles(*BANK_ROLES)
@blp.doc(**SECURED)
@blp.arguments(schemas.VersionSchema)
@blp.response(200, schemas.ProductSchema)
def retire_product(body, product_id: int):
    product = _own_product(product_id)
    return services.change_status(request_user(), product, ProductStatus.RETIRED, body["version"])


@blp.route("/products/<int(max=2147483647):product_id>/applications", methods=["POST"])
@roles(Role.ENTERPRISE)
@blp.doc(**SECURED)
@blp.arguments(schemas.ApplicationSchema)
@blp.response(201, schemas.EngagementSchema)
def apply(body, product_id: int):
    """The enterprise sends one of its open needs to the product's bank."""
    product = or_404(services.public_product(product_id))
    return services.apply(request_user(), product, body["need_id"])
