from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _

from app.errors import DomainError
from app.forms import apply_error
from app.models import User, db
from app.models.enums import Role
from app.regions import bp, derived, importer, platform, services
from app.regions.forms import HomeRegionForm, ImportForm, SubPlatformForm
from app.security import public, request_user, roles


@bp.route("/admin/regions", methods=["GET", "POST"])
@roles(Role.ADMIN)
def import_regions():
    """区划调整: add, rename, move and retire regions from a file (all rows or none)."""
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
            flash(
                _(
                    "Regions added: %(a)s, renamed: %(r)s, moved: %(m)s, retired: %(t)s.",
                    a=result.added,
                    r=result.renamed,
                    m=result.moved,
                    t=result.retired,
                ),
                "success",
            )
            return redirect(url_for("regions.import_regions"))
    return render_template(
        "regions/import.html",
        form=form,
        problems=problems,
        columns=importer.COLUMNS,
        platform_form=SubPlatformForm(prefix="platform"),
        platforms=services.named_platforms(),
        recomputation=derived.recomputation(),
    )


@bp.route("/admin/regions/platform", methods=["POST"])
@roles(Role.ADMIN)
def name_platform():
    """A sub-platform's own name and contact line, for the users of that region."""
    form = SubPlatformForm(prefix="platform")
    if form.validate_on_submit():
        region = services.get(form.region_code.data)
        platform.set_identity(
            request_user(), region, form.platform_name.data or "", form.contact_line.data or ""
        )
        flash(_("Platform name saved."), "success")
        return redirect(url_for("regions.import_regions"))
    return render_template(
        "regions/import.html",
        form=ImportForm(formdata=None),
        problems=[],
        columns=importer.COLUMNS,
        platform_form=form,
        platforms=services.named_platforms(),
        recomputation=derived.recomputation(),
    )


@bp.route("/r/<code>/")
@public
def sub_platform(code: str):
    """A county's (or city's) own address: the public pages then carry its platform name."""
    region = services.get(code)
    if region is None or region.retired:
        abort(404)
    session[platform.SESSION_KEY] = region.code
    return render_template("main/index.html", sub_platform=region)


@bp.route("/r/<code>/products")
@public
def sub_platform_products(code: str):
    region = services.get(code)
    if region is None or region.retired:
        abort(404)
    session[platform.SESSION_KEY] = region.code
    return redirect(url_for("products.public_index", region=region.code))


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
