"""Every enum owns its labels: no member borrows another enum's label because the two share
a value, in either language."""

from __future__ import annotations

import enum

import pytest
from flask_babel import force_locale

from app.models import enums
from app.models.enums import (
    AgreementStatus,
    Collateral,
    EngagementStatus,
    EnterpriseStatus,
    Guarantee,
    Labelled,
    NeedStatus,
    labels_of,
)

LABELLED = [
    cls
    for cls in vars(enums).values()
    if isinstance(cls, type) and issubclass(cls, Labelled) and cls is not Labelled
]


def test_the_walk_finds_the_enums_that_share_values():
    names = {cls.__name__ for cls in LABELLED}
    assert {"Guarantee", "DeclineReason", "Collateral", "ProductType", "BankType"} <= names


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("cls", LABELLED, ids=lambda cls: cls.__name__)
def test_every_member_has_its_own_label(app, cls: type[enum.Enum], language):
    registered = labels_of(cls)
    assert set(registered) == {m.value for m in cls}, "every member is registered"
    with app.test_request_context(), force_locale(language):
        labels = {m.value: str(m.label) for m in cls}
        for member in cls:
            assert labels[member.value] == str(registered[member.value]), member
        assert len(set(labels.values())) == len(labels), f"two {cls.__name__} share a label"


GOLDEN = {
    Guarantee: {"credit": "信用", "guarantee": "保证", "mortgage": "抵押", "pledge": "质押"},
    Collateral: {
        "property": "房产",
        "land": "土地",
        "equipment": "设备",
        "inventory": "存货",
        "ip": "知识产权",
        "receivables": "应收账款",
        "deposit": "存单/票据",
    },
    NeedStatus: {
        "draft": "草稿",
        "open": "对接中",
        "in_talks": "洽谈中",
        "signed": "已签约",
        "funded": "已放款",
        "withdrawn": "已撤回",
        "expired": "已过期",
    },
    EngagementStatus: {
        "routed": "待银行响应",
        "overdue": "已超时",
        "picked_up": "已接单",
        "accepted": "企业已同意",
        "declined": "银行已婉拒",
        "rejected": "企业已谢绝",
        "closed": "已关闭",
    },
    AgreementStatus: {
        "signed": "已签订，待企业确认",
        "confirmed": "已确认",
        "disputed": "有异议",
        "approved": "已审批",
        "disbursed": "已放款",
        "cancelled": "已取消",
    },
    EnterpriseStatus: {"pending": "待认证", "verified": "已认证", "rejected": "未通过"},
}


@pytest.mark.parametrize("cls", list(GOLDEN), ids=lambda cls: cls.__name__)
def test_the_chinese_labels_are_pinned(app, cls):
    with app.test_request_context(), force_locale("zh"):
        assert {m.value: str(m.label) for m in cls} == GOLDEN[cls]


def test_the_need_form_offers_the_guarantee_methods_by_their_own_names(client, login_as):
    login_as(enums.Role.ENTERPRISE)
    page = client.get("/needs/new").get_data(as_text=True)
    for word in ("信用", "保证", "抵押", "质押", "房产", "应收账款"):
        assert word in page
    assert "担保不足" not in page
