from flask import render_template, request

from app.calculator import bp
from app.calculator.forms import FIELDS, from_query
from app.ops.limits import numbers_checked_by_form
from app.security import public


@bp.route("/calculator")
@numbers_checked_by_form(*FIELDS)
@public
def index():
    form, result = from_query(request.args)
    return render_template("calculator/index.html", form=form, quote=result)
