"""The closed vocabularies of credit consents: purposes, data scopes, product levels, states."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from lab.errors import InvalidInput

Member = TypeVar("Member", bound=StrEnum)


class Purpose(StrEnum):
    """Why a bank may read a profile (授权用途)."""

    LOAN_APPLICATION = "loan_application"
    POST_LOAN_MONITORING = "post_loan_monitoring"
    GUARANTOR_REVIEW = "guarantor_review"
    RENEWAL = "renewal"


class Scope(StrEnum):
    """A group of profile items an enterprise may authorise (授权数据范围)."""

    REGISTRATION = "registration"
    TAX = "tax"
    SOCIAL_INSURANCE = "social_insurance"
    HOUSING_FUND = "housing_fund"
    UTILITIES = "utilities"
    LICENCES_PENALTIES = "licences_penalties"
    JUDICIAL = "judicial"
    CUSTOMS = "customs"
    IP = "ip"
    HONOURS = "honours"


class Level(StrEnum):
    """Product levels, each including the ones before it: verify → indicators → score → report."""

    VERIFY = "verify"
    INDICATORS = "indicators"
    SCORE = "score"
    REPORT = "report"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class ConsentState(StrEnum):
    """Where a consent is in its life."""

    AWAITING = "awaiting_authorisation"
    AUTHORISED = "authorised"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"


class RepairState(StrEnum):
    """Where a credit-repair request (信用修复) is."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


PURPOSE_LABELS = {
    Purpose.LOAN_APPLICATION: "贷款申请",
    Purpose.POST_LOAN_MONITORING: "贷后管理",
    Purpose.GUARANTOR_REVIEW: "担保人审查",
    Purpose.RENEWAL: "续贷",
}
SCOPE_LABELS = {
    Scope.REGISTRATION: "登记信息",
    Scope.TAX: "纳税信用等级与纳税区间",
    Scope.SOCIAL_INSURANCE: "社会保险",
    Scope.HOUSING_FUND: "住房公积金",
    Scope.UTILITIES: "水电缴费",
    Scope.LICENCES_PENALTIES: "行政许可与行政处罚",
    Scope.JUDICIAL: "司法信息",
    Scope.CUSTOMS: "海关进出口",
    Scope.IP: "知识产权",
    Scope.HONOURS: "荣誉表彰",
}
LEVEL_LABELS = {
    Level.VERIFY: "核验（是/否）",
    Level.INDICATORS: "指标区间与趋势",
    Level.SCORE: "评分、等级与原因码",
    Level.REPORT: "报告（含已公开事项）",
}
STATE_LABELS = {
    ConsentState.AWAITING: "待授权",
    ConsentState.AUTHORISED: "已授权",
    ConsentState.REJECTED: "已拒绝",
    ConsentState.REVOKED: "已撤销",
    ConsentState.EXPIRED: "已过期",
}


def parse(kind: type[Member], text: str) -> Member:
    """``text`` as a member of ``kind``, or an error listing the choices."""
    try:
        return kind(text)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise InvalidInput(f"unknown {kind.__name__.lower()} {text!r}; one of: {choices}") from None
