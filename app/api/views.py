from flask import jsonify

from app.api import bp
from app.security import public, request_user, signed_in


@bp.route("/health")
@public
def health():
    return jsonify(status="ok")


@bp.route("/me")
@signed_in
def me():
    user = request_user()
    return jsonify(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role.value,
        enterprise_id=user.enterprise_id,
        bank_id=user.bank_id,
        branch_id=user.branch_id,
    )
