from io import BytesIO

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _

from app.documents import bp, services
from app.documents.forms import AuthorisationUploadForm, UploadForm
from app.errors import DomainError
from app.forms import apply_error
from app.models import Need, db
from app.models.document import DocumentKind
from app.models.enums import Role
from app.security import BANK_ROLES, OVERSIGHT_ROLES, request_user, roles


def _needs_of(enterprise_id: int) -> list[Need]:
    return list(
        db.session.scalars(
            sa.select(Need).where(Need.enterprise_id == enterprise_id).order_by(Need.id.desc())
        )
    )


def _page(form: UploadForm, status: int = 200):
    user = request_user()
    return render_template(
        "documents/index.html",
        form=form,
        documents=services.of_enterprise(user.enterprise_id),
        downloads=services.downloads_of_enterprise(user.enterprise_id),
        max_mb=f"{services.max_bytes() / 1024 / 1024:g}",
    ), status


@bp.route("/documents")
@roles(Role.ENTERPRISE)
def index():
    return _page(UploadForm(_needs_of(request_user().enterprise_id)))


@bp.route("/documents", methods=["POST"])
@roles(Role.ENTERPRISE)
def upload():
    user = request_user()
    form = UploadForm(_needs_of(user.enterprise_id))
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        services.upload(
            user,
            services.Upload(
                kind=DocumentKind(form.kind.data),
                filename=form.file.data.filename or "",
                data=form.file.data.read(),
                need_id=int(form.need_id.data) if form.need_id.data else None,
            ),
        )
    except DomainError as error:
        apply_error(form, error, "file")
        return _page(form, 400)
    flash(_("The document was uploaded."), "success")
    return redirect(url_for("documents.index"))


@bp.route("/documents/<int:document_id>")
@roles(Role.ENTERPRISE, *BANK_ROLES, *OVERSIGHT_ROLES, Role.COORDINATOR)
def download(document_id: int):
    user = request_user()
    document = services.get_for(user, document_id)
    if document is None:
        abort(404)
    data = services.download(user, document)
    return send_file(
        BytesIO(data),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        etag=False,
        max_age=0,
    )


# A coordinator's visit (app/coordination) keeps the signed authorisation form here too.
FIELD = (Role.COORDINATOR, Role.OFFICIAL, Role.ADMIN)


def _visit(visit_id: int):
    from app.coordination.visits import get_visit

    visit = get_visit(request_user(), visit_id)
    if visit is None:
        abort(404)
    return visit


def _visit_page(visit, form, status=200):
    return render_template(
        "documents/visit.html",
        visit=visit,
        form=form,
        documents=services.of_visit(visit.id),
        max_mb=f"{services.max_bytes() / 1024 / 1024:g}",
    ), status


@bp.route("/visits/<int:visit_id>/authorisation-form")
@roles(*FIELD)
def visit_form(visit_id: int):
    return _visit_page(_visit(visit_id), AuthorisationUploadForm())


@bp.route("/visits/<int:visit_id>/authorisation-form", methods=["POST"])
@roles(*FIELD)
def visit_upload(visit_id: int):
    visit = _visit(visit_id)
    form = AuthorisationUploadForm()
    if not form.validate_on_submit():
        return _visit_page(visit, form, 400)
    try:
        services.upload(
            request_user(),
            services.Upload(
                kind=DocumentKind.AUTHORISATION,
                filename=form.file.data.filename or "",
                data=form.file.data.read(),
                visit_id=visit.id,
            ),
            enterprise_id=visit.enterprise_id,
        )
    except DomainError as error:
        apply_error(form, error, "file")
        return _visit_page(visit, form, 400)
    flash(_("The document was uploaded."), "success")
    return redirect(url_for("documents.visit_form", visit_id=visit.id))
