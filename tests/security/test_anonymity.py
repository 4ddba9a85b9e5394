"""k-anonymity of the profile banks see before consent: on the demo data, on a synthetic
county, on the bank's pages and in the API."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from app.enterprises.anonymity import BAND_OF, profiles_for
from app.models import Enterprise, Industry, Region
from app.models.enums import EnterpriseSize, EnterpriseStatus, RegionLevel, Role
from tests.conftest import PASSWORD
from tests.web.test_engagements import _engagement

COUNTY = "990188"
TOWN_A, TOWN_B, TOWN_C = "990188001", "990188002", "990188003"


def section_of(code: str) -> str:
    from app.models import db

    industry = db.session.get(Industry, code)
    while industry.level != "section":
        industry = db.session.get(Industry, industry.parent_code)
    return industry.code


def county_of(code: str) -> str:
    from app.models import db

    region = db.session.get(Region, code)
    return region.parent_code if region.level is RegionLevel.TOWN else region.code


def fits(profile, e: Enterprise) -> bool:
    """Does enterprise `e` fit what the bank is shown? Worked out from scratch, per company."""
    if profile.region is not None:
        if profile.region.level is RegionLevel.TOWN:
            if e.region_code != profile.region.code:
                return False
        elif county_of(e.region_code) != profile.region.code:
            return False
    if profile.industry is not None:
        if profile.industry.level == "section":
            if section_of(e.industry_code) != profile.industry.code:
                return False
        elif e.industry_code != profile.industry.code:
            return False
    if profile.size is not None and e.size is not profile.size:
        return False
    return not (profile.band is not None and BAND_OF[e.size] != profile.band)


def test_every_pre_consent_profile_of_the_demo_fits_at_least_k_companies(app, db):
    app.test_cli_runner().invoke(args=["seed-demo"])
    k = app.config["K_ANONYMITY"]
    verified = list(
        db.session.scalars(
            sa.select(Enterprise).where(Enterprise.status == EnterpriseStatus.VERIFIED)
        )
    )
    assert len(verified) >= 40
    exact = Counter((e.region_code, e.industry_code, e.size) for e in verified)
    assert (
        sum(1 for e in verified if exact[e.region_code, e.industry_code, e.size] == 1)
        > len(verified) // 2
    )  # what the old profile gave away
    profiles = profiles_for(verified)
    for e in verified:
        shared = sum(1 for other in verified if fits(profiles[e.id], other))
        assert shared >= k, (e.id, profiles[e.id])
        assert shared == profiles[e.id].shared_by
        assert fits(profiles[e.id], e)
    report = app.test_cli_runner().invoke(args=["security", "anonymity"]).output
    smallest = int(report.split("smallest group sharing a shown profile now: ")[1].split()[0])
    assert smallest == min(p.shared_by for p in profiles.values()) >= k


@pytest.fixture()
def synthetic_county(db, make_enterprise):
    db.session.add(
        Region(code=COUNTY, name="合成县", level=RegionLevel.COUNTY, parent_code="990100")
    )
    for code, name in ((TOWN_A, "甲镇"), (TOWN_B, "乙镇"), (TOWN_C, "丙镇")):
        db.session.add(Region(code=code, name=name, level=RegionLevel.TOWN, parent_code=COUNTY))
    db.session.commit()

    def add(n, town, industry, size, status=EnterpriseStatus.VERIFIED):
        return [
            make_enterprise(region_code=town, industry_code=industry, size=size, status=status)
            for _ in range(n)
        ]

    return {
        "five_alike": add(5, TOWN_A, "13", EnterpriseSize.SMALL),
        "three_in_b": add(3, TOWN_B, "13", EnterpriseSize.SMALL),
        "two_micro": add(2, TOWN_B, "14", EnterpriseSize.MICRO),
        "lone_builder": add(1, TOWN_C, "48", EnterpriseSize.MEDIUM),
        # Pending companies are not yet on the platform's books: they hide nobody.
        "pending": add(6, TOWN_C, "48", EnterpriseSize.MEDIUM, EnterpriseStatus.PENDING),
    }


def test_a_synthetic_county_is_coarsened_step_by_step(app, synthetic_county):
    groups = synthetic_county
    profiles = profiles_for([e for g in groups.values() for e in g])

    first = profiles[groups["five_alike"][0].id]
    assert (first.region.code, first.industry.code, first.size) == (
        TOWN_A,
        "13",
        EnterpriseSize.SMALL,
    )
    assert first.shared_by == 5

    b = profiles[groups["three_in_b"][0].id]
    assert (b.region.code, b.industry.code, b.size, b.shared_by) == (
        COUNTY,
        "13",
        EnterpriseSize.SMALL,
        8,
    )

    micro = profiles[groups["two_micro"][0].id]
    assert (micro.region.code, micro.industry.code, micro.size, micro.band) == (
        COUNTY,
        "C",
        None,
        "small_micro",
    )
    assert micro.shared_by == 10

    lone = profiles[groups["lone_builder"][0].id]
    assert (lone.region.code, lone.industry, lone.size, lone.band, lone.shared_by) == (
        COUNTY,
        None,
        None,
        None,
        11,
    )


def test_k_is_a_setting(app, synthetic_county):
    first = synthetic_county["five_alike"][0]
    assert profiles_for([first], k=6)[first.id].region.code == COUNTY
    assert profiles_for([first], k=2)[first.id].region.code == TOWN_A


def test_the_bank_pages_and_api_show_the_coarse_profile(
    client,
    login,
    world,
    db,
    synthetic_county,
):
    enterprise = world["owner"].enterprise
    enterprise.region_code, enterprise.industry_code = TOWN_C, "48"
    enterprise.size, enterprise.employees = EnterpriseSize.MEDIUM, 4321
    db.session.commit()
    engagement = _engagement(db, world)
    login(world["banks"][0]["officer"])
    for path in ("/bank/pipeline", f"/engagements/{engagement.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "合成县" in page, path
        assert "丙镇" not in page and "4321" not in page, path
    token = client.post(
        "/api/v1/tokens",
        json={"login": world["banks"][0]["officer"].email, "password": PASSWORD},
    ).get_json()["token"]
    need = client.get(
        f"/api/v1/engagements/{engagement.id}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()["need"]
    assert (need["region"], need["industry"], need["size"]) == (COUNTY, None, None)


def test_the_enterprise_itself_and_officials_still_see_the_facts(
    client,
    login,
    world,
    db,
    make_user,
):
    engagement = _engagement(db, world)
    login(make_user(Role.OFFICIAL))
    page = client.get(f"/engagements/{engagement.id}").get_data(as_text=True)
    assert world["owner"].enterprise.name in page
