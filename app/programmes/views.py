"""Officials keep the lists and the programmes; everyone reads the programmes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.excel_import import upload_page
from app.forms import EmptyForm, add_service_errors, apply_error, options
from app.i18n import current_language
from app.matches.narrow import programme_state
from app.models import Bank, Product, SubsidyProgramme, db
from app.models.enums import BankType, ProductStatus, Role
from app.paging import page_of
from app.programmes import bp, rules, services, tag_import, tags
from app.programmes.forms import (
    ProgrammeForm,
    TagEditForm,
    TagForm,
    TagImportForm,
    TagKindForm,
)
from app.security import public, request_user, roles

OFFICIALS = (Role.OFFICIAL, Role.ADMIN)


def _saved(form, action, message: str):
    """What the service call `action` returns, with `message` flashed; None when the service
    refuses, its reasons then beside the form's fields and nothing of it kept."""
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        apply_error(form, error)
        return None
    flash(message, "success")
    return result


# Tags -------------------------------------------------------------------------------------


def _tag_form(form: TagForm | None = None) -> TagForm:
    form = form or TagForm()
    form.kind.choices = options([(k.code, k.name) for k in tags.kinds()])
    return form


def _tag_page(form=None, kind_form=None, status=200):
    user = request_user()
    kind_id = request.args.get("kind", type=int)
    listing = page_of(
        tags.listing(user, kind_id, request.args.get("q", "")),
        request.args.get("page", 1, type=int),
        current_app.config["PER_PAGE"],
    )
    return render_template(
        "programmes/tags.html",
        listing=listing,
        kinds=tags.kinds(),
        kind_id=kind_id,
        form=_tag_form(form),
        kind_form=kind_form or TagKindForm(prefix="kind"),
    ), status


@bp.route("/official/tags", methods=["GET", "POST"])
@roles(*OFFICIALS)
def tag_list():
    """The official lists (专精特新, 高新技术企业, …) of the official's region."""
    form = _tag_form()
    if form.validate_on_submit() and _saved(
        form, lambda: tags.add(request_user(), form.to_input()), _("Added to the list.")
    ):
        return redirect(url_for("programmes.tag_list"))
    if form.is_submitted():
        return _tag_page(form, status=422)
    return _tag_page(form)


@bp.route("/official/tags/kinds", methods=["POST"])
@roles(*OFFICIALS)
def tag_kind_add():
    form = TagKindForm(prefix="kind")
    if form.validate_on_submit() and _saved(
        form,
        lambda: tags.add_kind(request_user(), form.name.data, form.name_en.data),
        _("List added."),
    ):
        return redirect(url_for("programmes.tag_list"))
    return _tag_page(kind_form=form, status=422)


@bp.route("/official/tags/<int:tag_id>", methods=["GET", "POST"])
@roles(*OFFICIALS)
def tag_edit(tag_id: int):
    user = request_user()
    tag = tags.get_for(user, tag_id) or abort(404)
    form = TagEditForm()
    if not form.is_submitted():
        form.valid_to.data, form.source.data = tag.valid_to, tag.source
    if form.validate_on_submit() and _saved(
        form, lambda: tags.update(user, tag, form.valid_to.data, form.source.data), _("Saved.")
    ):
        return redirect(url_for("programmes.tag_list"))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "programmes/tag_edit.html", tag=tag, form=form, delete_form=EmptyForm()
    ), status


@bp.route("/official/tags/<int:tag_id>/delete", methods=["POST"])
@roles(*OFFICIALS)
def tag_delete(tag_id: int):
    user = request_user()
    tag = tags.get_for(user, tag_id) or abort(404)
    if EmptyForm().validate_on_submit():
        tags.remove(user, tag)
        flash(_("Removed from the list."), "success")
    return redirect(url_for("programmes.tag_list"))


@bp.route("/official/tags/template.xlsx")
@roles(*OFFICIALS)
def tag_template():
    return tag_import.template()


@bp.route("/official/tags/import", methods=["GET", "POST"])
@roles(*OFFICIALS)
def tag_upload():
    return upload_page(
        TagImportForm(),
        lambda stream: tag_import.import_tags(stream, request_user()),
        "programmes/tag_import.html",
        lambda count: _("%(n)d entries imported.", n=count),
        url_for("programmes.tag_list"),
    )


# Programmes: officials --------------------------------------------------------------------


def _programme_form(form: ProgrammeForm | None = None) -> ProgrammeForm:
    form = form or ProgrammeForm()
    banks = db.session.scalars(
        sa.select(Bank)
        .where(Bank.active.is_(True), Bank.bank_type != BankType.GUARANTEE)
        .order_by(Bank.id)
    )
    products = db.session.scalars(
        sa.select(Product)
        .where(Product.status == ProductStatus.PUBLISHED)
        .options(sa.orm.joinedload(Product.bank))
        .order_by(Product.bank_id, Product.id)
    )
    form.set_choices(tags.kinds(), list(banks), list(products))
    return form


@bp.route("/official/programmes")
@roles(*OFFICIALS)
def official_list():
    return render_template(
        "programmes/official_list.html", programmes=services.for_official(request_user())
    )


@bp.route("/official/programmes/new", methods=["GET", "POST"])
@roles(*OFFICIALS)
def new():
    user = request_user()
    form = _programme_form()
    if form.validate_on_submit():
        programme = _saved(
            form,
            lambda: services.create(user, form.to_input()),
            _("Programme saved; matches are being recomputed."),
        )
        if programme:
            return redirect(url_for("programmes.official_detail", programme_id=programme.id))
    elif form.is_submitted():
        add_service_errors(form, lambda: services.check(user, form.to_input()).raise_if_any())
    status = 422 if form.is_submitted() else 200
    return render_template("programmes/form.html", form=form, programme=None), status


@bp.route("/official/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@roles(*OFFICIALS)
def edit(programme_id: int):
    user = request_user()
    programme = services.get_for(user, programme_id) or abort(404)
    form = _programme_form()
    if not form.is_submitted():
        form.fill(programme)
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        if _saved(
            form,
            lambda: services.update(user, programme, form.to_input(), version),
            _("Programme saved; matches are being recomputed."),
        ):
            return redirect(url_for("programmes.official_detail", programme_id=programme.id))
    status = 422 if form.is_submitted() else 200
    return render_template("programmes/form.html", form=form, programme=programme), status


@bp.route("/official/programmes/<int:programme_id>")
@roles(*OFFICIALS)
def official_detail(programme_id: int):
    programme = services.get_for(request_user(), programme_id) or abort(404)
    return render_template(
        "programmes/official_detail.html",
        programme=programme,
        rematch=programme_state(programme.id),
        commitments=services.commitments(programme),
        words=_words([programme])[programme.id],
        subsidy=rules.subsidy_words(programme),
    )


# Programmes: everyone ---------------------------------------------------------------------


def _words(programmes: list[SubsidyProgramme]) -> dict[int, list[str]]:
    language = current_language()
    names = services.names(programmes, language)
    return {p.id: rules.eligibility_words(p, **names) for p in programmes}


@bp.route("/programmes")
@public
def public_list():
    programmes = services.public_list()
    return render_template(
        "programmes/public_list.html",
        programmes=programmes,
        words=_words(programmes),
        subsidy={p.id: rules.subsidy_words(p) for p in programmes},
    )


@bp.route("/programmes/<int:programme_id>")
@public
def public_detail(programme_id: int):
    programme = db.session.get(SubsidyProgramme, programme_id)
    if programme is None:
        abort(404)
    return render_template(
        "programmes/public_detail.html",
        programme=programme,
        words=_words([programme])[programme.id],
        subsidy=rules.subsidy_words(programme),
    )
