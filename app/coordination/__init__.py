"""The 小微企业融资协调工作机制: visits, declared and recommended lists, banks' feedback."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.notifications import MESSAGES

bp = Blueprint("coordination", __name__, url_prefix="/mechanism")

MESSAGES.update(
    {
        "mechanism_screened_out": _l(
            "Your financing need was not put on the recommended list: %(reason)s"
        ),
        "mechanism_recommended": _l(
            "The coordination mechanism recommended a business needing %(amount)s 万元 to your bank."
        ),
        "renewal_due": _l(
            "The loan of %(amount)s 万元 to %(name)s at %(bank)s matures on %(day)s: time to arrange its renewal."
        ),
    }
)

from app.coordination import bank_views, consent_views, rollup, views  # noqa: E402, F401
