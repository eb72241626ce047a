"""Where each role signs in and where it lands: one table, read by every sign-in page.

A person signed in on a page not meant for their role is sent on to their own home (a steward
signing in on the portal lands on the steward's queue, not on 我的申请), and error pages link to
``/home``, which does the same for whoever is signed in.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.identity import Principal, Role

PORTAL_HOME = "/"


@dataclass(frozen=True)
class RoleDoor:
    """A role's sign-in page and home, and what it says about itself (中文, English)."""

    role: Role
    name: tuple[str, str]
    purpose: tuple[str, str]
    login: str
    home: str


DOORS: tuple[RoleDoor, ...] = (
    RoleDoor(
        Role.STEWARD,
        ("数据管理员", "Data steward"),
        ("审核分级、发布与撤回数据、审批申请和项目", "Classify, publish, withdraw data; approve"),
        "/steward/login",
        "/steward/",
    ),
    RoleDoor(
        Role.AUDITOR,
        ("审计员", "Auditor"),
        ("查阅、筛选、验证和导出审计日志", "Browse, filter, verify and export the audit log"),
        "/auditor/login",
        "/auditor/",
    ),
    RoleDoor(
        Role.BANK_OPERATOR,
        ("银行客户经理", "Bank officer"),
        (
            "发送授权申请、查看所持授权、查询企业信用画像及限额使用",
            "Ask for consents, see those held, profile requests and rate-limit use",
        ),
        "/bank/login",
        "/bank/",
    ),
    RoleDoor(
        Role.ENTERPRISE_ADMIN,
        ("企业（信用授权）", "Enterprise (credit consents)"),
        (
            "授权或撤销银行查询、查看谁查询了本企业、提出异议",
            "Grant or revoke banks' access, see who queried, dispute items",
        ),
        "/enterprise/login",
        "/enterprise/",
    ),
    RoleDoor(
        Role.APPLICANT,
        ("数据申请人", "Data applicant"),
        ("申请有条件开放数据并下载获批的数据", "Apply for conditional data, download approved"),
        "/account/login",
        "/account/applications",
    ),
)


def door_for(home: str) -> RoleDoor:
    """The door whose home is ``home`` (a page module names its own)."""
    return next(door for door in DOORS if door.home == home)


def door_of(principal: Principal) -> RoleDoor | None:
    """The first door (in the table's order) whose role the principal holds."""
    return next((door for door in DOORS if principal.has_role(door.role)), None)


def home_for(principal: Principal | None) -> str:
    """The page a person lands on after signing in; the portal for anyone without a role page."""
    door = door_of(principal) if principal is not None else None
    return door.home if door else PORTAL_HOME
