"""What a loan costs: the loan calculator, for any terms or for one product's price items."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api import schemas
from app.api.common import blueprint, field_names, or_404
from app.calculator.services import LoanInput, calculate
from app.formatting import exact_wan
from app.models.enums import RepaymentMethod
from app.products import services as products
from app.security import public

blp = blueprint("api_pricing", "Loan calculator: schedule, interest, fees, all-in annual rate")

NAMES = {"amount_wan": "amount"}


class CalculatorQuerySchema(schemas.Strict):
    amount = schemas.Money(required=True)
    months = fields.Integer(validate=validate.Range(1, 360), required=True)
    method = schemas.enum(RepaymentMethod, required=True)
    rate = schemas.Percent(load_default=None)
    upfront_fee_rate = schemas.Percent(load_default=None)
    fee_rate = schemas.Percent(load_default=None)
    guarantee_fee_rate = schemas.Percent(
        load_default=None,
        metadata={
            "description": "through a government guarantee agency: its yearly fee, in place "
            "of any guarantee fee of the product"
        },
    )
    product_id = schemas.ident(load_default=None)
    programme_id = schemas.ident(
        load_default=None,
        metadata={"description": "an open interest subsidy programme (贴息) to apply"},
    )


class InstalmentSchema(Schema):
    period = fields.Integer(required=True)
    principal = schemas.Money(required=True)
    interest = schemas.Money(required=True)
    fees = schemas.Money(required=True)
    total = schemas.Money(required=True)
    balance = schemas.Money(required=True)


class QuoteSchema(Schema):
    amount = schemas.Money(required=True)
    months = fields.Integer(required=True)
    method = fields.String(required=True, metadata={"enum": [m.value for m in RepaymentMethod]})
    rate = schemas.Percent(required=True, metadata={"description": "headline annual rate"})
    all_in_rate = schemas.Percent(
        required=True,
        metadata={"description": "annualised all-in rate: monthly IRR x 12 (PBoC 〔2021〕 No. 3)"},
    )
    net_rate = schemas.Percent(
        required=True, metadata={"description": "all-in rate after public programmes"}
    )
    upfront_fees = schemas.Money(required=True)
    total_interest = schemas.Money(required=True)
    total_fees = schemas.Money(required=True)
    total_repaid = schemas.Money(required=True)
    total_subsidy = schemas.Money(required=True)
    programme_id = fields.Integer(
        required=True, allow_none=True, attribute="subsidy.programme_id", dump_default=None
    )
    subsidies = fields.List(
        schemas.Money(),
        required=True,
        metadata={"description": "the subsidy paid back with each instalment (empty: none)"},
    )
    schedule = fields.List(fields.Nested(InstalmentSchema), attribute="rows", required=True)


@blp.route("/calculator")
@public
@blp.arguments(CalculatorQuerySchema, location="query")
@blp.response(200, QuoteSchema)
def calculator(args):
    """The schedule and all-in annual rate of a loan. With `product_id` (a published product)
    its price items apply and the terms must lie within the product's; otherwise `rate` is
    required and `upfront_fee_rate` / `fee_rate` (yearly, with each instalment) are optional."""
    product = None
    if args["product_id"] is not None:
        product = or_404(products.public_product(args["product_id"]))
    data = LoanInput(
        amount_wan=exact_wan(args["amount"]),
        months=args["months"],
        method=args["method"].value,
        rate=args["rate"] if args["rate"] is not None or product is None else product.min_rate,
        upfront_fee_rate=args["upfront_fee_rate"] or 0,
        fee_rate=args["fee_rate"] or 0,
        guarantee_fee_rate=args["guarantee_fee_rate"] or 0,
        programme_id=args["programme_id"],
    )
    with field_names(NAMES | {"programme": "programme_id"}):
        return calculate(data, product)
