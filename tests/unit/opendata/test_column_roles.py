"""Column roles: from the category's role, the dictionary's description and unit, and the name."""

from __future__ import annotations

import pytest

from opendata.portal.catalogue import PublicColumn
from opendata.portal.column_roles import Role, is_money, role_of


def _column(name, kind="number", description="", unit="", role="", code_list=""):
    return PublicColumn(
        name, kind, description, "X", unit=unit, category_role=role, code_list=code_list
    )


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (_column("经度", description="WGS-84 经度（度）"), Role.LONGITUDE),
        (_column("x", description="监测站点 WGS-84 纬度（度）"), Role.LATITUDE),
        (_column("lng"), Role.LONGITUDE),
        (_column("Latitude"), Role.LATITUDE),
        (_column("站点编号", "text", "站点编号：QDB + 线路序号 + 站序"), Role.IDENTIFIER),
        (_column("站序", description="站点在线路单程中的顺序"), Role.IDENTIFIER),
        (_column("id"), Role.IDENTIFIER),
        (_column("行业", description="行业", code_list="GB/T 4754"), Role.IDENTIFIER),
        (_column("人数", role="identifier"), Role.IDENTIFIER),
        (_column("年龄", "text", role="quasi_identifier"), Role.IDENTIFIER),
        (_column("在校生人数", role="count"), Role.MEASURE),
        (_column("泊位（个）"), Role.MEASURE),
        (_column("plateau"), Role.MEASURE),  # "lat" is a word cue, not a substring
        (_column("监测时间", "text"), Role.TIME),
        (_column("名称", "text", "设施的通用名称"), Role.OTHER),
    ],
)
def test_role_of(column: PublicColumn, expected: Role) -> None:
    assert role_of(column) is expected


def test_money_from_unit_name_or_description() -> None:
    assert is_money(_column("金额", unit="元"))
    assert is_money(_column("票价（元）"))
    assert is_money(_column("fee", description="monthly fee in yuan"))
    assert not is_money(_column("单元数", description="住宅单元的个数"))
    assert not is_money(_column("人数", unit="人"))
