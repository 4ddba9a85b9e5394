"""Real places: the national divisions shipped and loaded, the regions API, cascading pickers
with their no-JavaScript fallback, and 区划调整 imports (add, rename, retire)."""

from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import Workbook

from app import reference_loader
from app.models import AuditEntry, Enterprise, Region
from app.models.enums import Role
from app.reference import regions as reference_regions
from app.regions import importer
from app.regions import services as region_services
from tests.web.test_enterprises import _registration

# -- the data ---------------------------------------------------------------------------


def test_the_national_divisions_are_loaded_to_the_town(db):
    counts = dict(
        db.session.execute(
            sa.select(Region.level, sa.func.count())
            .where(~Region.code.startswith("99"))
            .group_by(Region.level)
        ).all()
    )
    assert {k.value: v for k, v in counts.items()} == {
        "province": 34,
        "city": 337,
        "county": 2846,
        "town": 41278,
    }
    town = db.session.get(Region, "110101001")
    assert town.name == "东华门街道" and town.path == "110000/110101/110101001/"
    assert [r.name for r in region_services.chain("320505001")] == [
        "江苏省",
        "苏州市",
        "虎丘区",
        "横塘街道",
    ]


def test_the_demo_county_cannot_collide_with_a_real_code_and_can_be_left_out():
    real = {row["code"] for row in reference_regions.real_rows()}
    assert not any(code.startswith(reference_regions.DEMO_PREFIX) for code in real)
    assert {r["code"] for r in reference_regions.demo_rows()} >= {"990121", "990121001"}
    assert {r["code"] for r in reference_regions.all_rows(demo=False)} == real


def test_loading_again_adds_nothing_and_keeps_an_imported_rename(db):
    region = db.session.get(Region, "320505")
    region.name = "虎丘区（新）"
    db.session.commit()
    assert reference_loader.load()["regions"] == 0
    assert db.session.get(Region, "320505").name == "虎丘区（新）"


# -- the API ----------------------------------------------------------------------------


def test_the_regions_api_lists_children_pages_and_searches(client):
    top = client.get("/api/v1/regions?per_page=100").get_json()
    assert top["total"] == 35 and {"110000", "990000"} <= {r["code"] for r in top["items"]}
    towns = client.get("/api/v1/regions?parent=320505&per_page=4&page=2").get_json()
    assert towns["total"] == 9 and len(towns["items"]) == 4
    assert all(r["parent_code"] == "320505" for r in towns["items"])
    found = client.get("/api/v1/regions?parent=110000&q=东华门").get_json()
    assert [r["code"] for r in found["items"]] == ["110101001"]
    assert client.get("/api/v1/regions?per_page=500").status_code == 422


def test_a_whole_national_list_never_reaches_one_page(client, db, login_as):
    for url in ("/register", "/products"):
        body = client.get(url).get_data()
        assert len(body) < 150_000, (url, len(body))
        assert body.count(b"<option") < 400, url


# -- pickers ----------------------------------------------------------------------------


def test_an_enterprise_registers_in_a_real_town_through_the_cascade(client, db):
    data = _registration()
    data["region_code"] = ["320000", "320500", "320505", "320505002"]
    response = client.post("/register", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.name == data["name"]))
    assert enterprise.region_code == "320505002" and enterprise.region.name == "狮山街道"


def test_without_javascript_the_next_level_comes_back_with_everything_typed_kept(client, db):
    page = client.get("/register").get_data(as_text=True)
    assert 'value="320000"' in page and 'value="320500"' not in page
    data = _registration(region_code="320000")
    data["region_code-next"] = "1"
    page = client.post("/register", data=data).get_data(as_text=True)
    assert 'value="320500"' in page and "苏州市" in page  # the cities of Jiangsu now
    assert data["name"] in page  # what was typed stays
    assert db.session.scalar(sa.select(Enterprise).where(Enterprise.name == data["name"])) is None


def test_a_value_left_from_an_earlier_choice_never_wins(db):
    # The user picked 苏州市, then changed the province to 北京市: the city is ignored.
    assert region_services.chosen(["110000", "320500"]) == "110000"
    assert region_services.chosen(["320000", "320500", ""]) == "320500"
    assert region_services.chosen(["nonsense"]) == ""


def test_the_product_supermarket_filters_by_a_picked_region(client, db):
    page = client.get("/products?region=320000&region=320500").get_data(as_text=True)
    assert 'value="320505"' in page  # the next level is offered
    assert 'value="320500" selected' in page


# -- imports ----------------------------------------------------------------------------

GOOD = (
    "action,code,name,level,parent_code,successor_code,date\n"
    "add,320599,苏州测试新区,county,320500,,\n"
    "add,320599001,新区街道,town,320599,,\n"
    "rename,320505001,横塘新街道,,,,\n"
    "retire,320505002,,,,320505001,2026-12-01\n"
)


def test_an_import_adds_renames_and_retires_and_a_retired_code_keeps_its_history(
    db, make_enterprise
):
    kept = make_enterprise(region_code="320505002")
    result = importer.import_file(GOOD.encode(), "changes.csv", user=None)
    db.session.commit()
    assert (result.added, result.renamed, result.retired) == (2, 1, 1)
    assert db.session.get(Region, "320599001").path == "320000/320500/320599/320599001/"
    assert db.session.get(Region, "320505001").name == "横塘新街道"
    retired = db.session.get(Region, "320505002")
    assert retired.retired and retired.successor_code == "320505001"
    assert db.session.get(Enterprise, kept.id).region_code == "320505002"
    # New choices leave it out; figures for the successor count the retired town's firms.
    codes = [r.code for r in region_services.children("320505")[0]]
    assert "320505002" not in codes and "320505001" in codes
    in_successor = db.session.scalars(
        sa.select(Enterprise.id).where(
            region_services.in_subtree(Enterprise.region_code, "320505001")
        )
    )
    assert kept.id in set(in_successor)
    logged = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_type == "regions")
    ).all()
    assert sorted(logged) == ["region_added", "region_added", "region_renamed", "region_retired"]


def test_a_bad_file_is_refused_whole_with_each_bad_line_named(db):
    bad = (
        "action,code,name,level,parent_code,successor_code,date\n"
        "add,320598,好的新区,county,320500,,\n"
        "add,110101,重复,county,110000,,\n"
        "rename,999999999,无此地,,,,\n"
        "retire,320505,,,,,\n"
        "move,320506,,,,,\n"
        "retire,320505003,,,,,30/12/2026\n"
    )
    try:
        importer.import_file(bad.encode(), "bad.csv", user=None)
    except importer.ImportFailed as failed:
        lines = [line for line, _message in failed.problems]
    else:
        raise AssertionError("the bad file was accepted")
    db.session.rollback()
    assert lines == [3, 4, 5, 6, 7]
    assert db.session.get(Region, "320598") is None  # the good row was not half-imported


def test_a_retired_town_cannot_be_chosen_for_a_new_registration(client, db):
    importer.import_file(
        b"action,code,name,level,parent_code,successor_code,date\nretire,320505003,,,,,\n",
        "r.csv",
        user=None,
    )
    db.session.commit()
    page = client.post("/register", data=_registration(region_code="320505003")).get_data(
        as_text=True
    )
    assert "已撤销" in page


def test_the_admin_uploads_an_excel_file_and_sees_bad_lines(client, db, login_as):
    login_as(Role.ADMIN)
    book = Workbook()
    sheet = book.active
    sheet.append(["action", "code", "name", "level", "parent_code", "successor_code", "date"])
    sheet.append(["add", "320597", "Excel 新区", "county", "320500", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        "/admin/regions",
        data={"file": (io.BytesIO(buffer.getvalue()), "changes.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.get(Region, "320597").name == "Excel 新区"
    page = client.post(
        "/admin/regions",
        data={"file": (io.BytesIO(b"action,code\nadd,12\n"), "bad.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "第 2 行" in page


def test_the_import_command_reports_bad_lines_and_a_good_file(app, db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("action,code,name,level,parent_code\nadd,320596,,county,320500\n")
    result = app.test_cli_runner().invoke(args=["reference", "import-regions", str(bad)])
    assert result.exit_code != 0 and "line 2" in result.output
    good = tmp_path / "good.csv"
    good.write_text("action,code,name,level,parent_code\nadd,320596,命令新区,county,320500\n")
    result = app.test_cli_runner().invoke(args=["reference", "import-regions", str(good)])
    assert result.exit_code == 0 and "Regions added: 1" in result.output
    assert db.session.get(Region, "320596").name == "命令新区"


def test_other_roles_cannot_import(client, login_as):
    login_as(Role.OFFICIAL)
    assert client.get("/admin/regions").status_code == 403


def test_a_nul_or_a_non_code_in_a_region_parameter_is_refused_cleanly(client):
    # A NUL is refused before any view, by the one input-hygiene rule (app/ops/limits.py).
    assert client.get("/api/v1/regions?q=%00").status_code == 400
    assert client.get("/api/v1/regions?parent=%00").status_code == 400
    assert client.get("/products?region=%00").status_code == 400
