from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.forms import apply_error
from app.models import User, db
from app.models.enums import Role
from app.regions import bp, importer, services
from app.regions.forms import HomeRegionForm, ImportForm
from app.security import request_user, roles


@bp.route("/admin/regions", methods=["GET", "POST"])
@roles(Role.ADMIN)
def import_regions():
    """区划调整: add, rename and retire regions from a file (all rows or none)."""
    form = ImportForm()
    problems: list[tuple[int, str]] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = importer.import_file(upload.read(), upload.filename or "", user=request_user())
        except importer.ImportFailed as failed:
            db.session.rollback()
            problems = failed.problems
        else:
            db.session.commit()
            flash(
                _(
                    "Regions added: %(a)s, renamed: %(r)s, retired: %(t)s.",
                    a=result.added,
                    r=result.renamed,
                    t=result.retired,
                ),
                "success",
            )
            return redirect(url_for("regions.import_regions"))
    return render_template(
        "regions/import.html", form=form, problems=problems, columns=importer.COLUMNS
    )


@bp.route("/admin/officials/<int:user_id>/region", methods=["GET", "POST"])
@roles(Role.ADMIN)
def official_region(user_id: int):
    """An official's home region: the subtree of places they see."""
    official = db.session.get(User, user_id)
    if official is None or official.role is not Role.OFFICIAL:
        abort(404)
    form = HomeRegionForm()
    if not form.is_submitted():
        form.region_code.data = official.region_code or ""
    if form.validate_on_submit():
        try:
            services.set_home_region(request_user(), official, form.region_code.data)
        except DomainError as error:
            apply_error(form, error, "region_code")
        else:
            flash(_("Home region saved."), "success")
            return redirect(url_for("admin.home"))
    return render_template("regions/official_region.html", form=form, official=official)
