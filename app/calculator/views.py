from flask import render_template, request

from app.calculator import bp
from app.calculator.forms import from_query
from app.security import public


@bp.route("/calculator")
@public
def index():
    form, result = from_query(request.args)
    return render_template("calculator/index.html", form=form, quote=result)
