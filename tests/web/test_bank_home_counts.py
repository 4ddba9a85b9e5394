"""The bank portal's counts lead to as many needs as the pipeline then lists: an officer's
pipeline shows the officer's branch (and work no branch was named for), and a walk found the
home page counting the whole bank there (14 waiting, then 13 in the pipeline)."""

from __future__ import annotations

import re

from app.demo import DEMO_PASSWORD

LOGINS = (
    "officer@abc.demo.rongqiao.cn",
    "officer2@abc.demo.rongqiao.cn",
    "manager@abc.demo.rongqiao.cn",
)


def _count(html: str, pattern: str) -> int:
    found = re.search(pattern, html)
    assert found, pattern
    return int(found[1])


def test_each_count_on_the_bank_home_matches_the_pipeline_it_links_to(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    waiting = {}
    for login in LOGINS:
        response = client.post("/login", data={"login": login, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        home = client.get("/bank").get_data(as_text=True)
        pipeline = client.get("/bank/pipeline?view=waiting").get_data(as_text=True)
        waiting[login] = _count(pipeline, r"(\d+) 条需求")
        assert _count(home, r'href="/bank/pipeline\?view=waiting">(\d+)</a>') == waiting[login]
        client.post("/logout")
    assert len(set(waiting.values())) > 1, waiting  # the branches' pipelines differ
