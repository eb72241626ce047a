"""T1 bus routes (a small XLSX) and their stops with WGS-84 coordinates (CSV).

Each route starts near its home district's centre and wanders in steps of 400–900 m, so stops
line up like real lines and stay inside Qingdao's bounding box. The network's size is fixed; it
does not grow with the enterprise scale.
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
import pandas as pd

from lab.demo.manifest import DemoTable, demo_table
from lab.demo.names import ROADS, pick
from lab.reference.regions import CITY_BBOX, DISTRICTS

ROUTE_COUNT = 80
LANDMARKS = (
    "火车站",
    "五四广场",
    "台东",
    "李村",
    "汽车东站",
    "市政府",
    "海洋大学",
    "青岛大学",
    "中心医院",
    "体育中心",
    "万达广场",
    "胶东国际机场",
    "轮渡",
    "科技城",
    "高铁北站",
)
STOP_SUFFIXES = ("", "北", "南", "东", "西", "路口", "中段")
OPERATORS = ("青岛城运控股公交集团", "青岛真情巴士集团有限公司", "青岛交运集团")
METRES_PER_DEGREE_LAT = 110_540.0
METRES_PER_DEGREE_LON_EQUATOR = 111_320.0


class _SharedFields(TypedDict):
    """The catalogue fields both transit tables share."""

    department: str
    topic: str
    update_frequency: str
    intended_tier: str


_ABOUT: _SharedFields = {
    "department": "青岛市交通运输局",
    "topic": "交通运输",
    "update_frequency": "irregular",
    "intended_tier": "T1",
}


def _route_names(rng: np.random.Generator) -> np.ndarray:
    """Route names: numbered lines plus a few tunnel buses."""
    tunnel = np.asarray([f"隧道{n}路" for n in (1, 2, 3, 5, 6)])
    numbered = np.char.add(
        np.sort(rng.choice(np.arange(1, 400), ROUTE_COUNT - 5, replace=False)).astype(str), "路"
    )
    return np.concatenate([numbered, tunnel])


def _walk(rng: np.random.Generator, start: tuple[float, float], stops: int) -> np.ndarray:
    """Coordinates of ``stops`` stops along a gently turning path, clipped to the city."""
    heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.35, stops))
    step = rng.uniform(400, 900, stops)
    lat0 = start[1] + rng.normal(0, 0.03)
    metres_per_lon = METRES_PER_DEGREE_LON_EQUATOR * np.cos(np.radians(lat0))
    lon = start[0] + rng.normal(0, 0.03) + np.cumsum(step * np.cos(heading)) / metres_per_lon
    lat = lat0 + np.cumsum(step * np.sin(heading)) / METRES_PER_DEGREE_LAT
    min_lon, min_lat, max_lon, max_lat = CITY_BBOX
    return np.column_stack([np.clip(lon, min_lon, max_lon), np.clip(lat, min_lat, max_lat)])


def _stop_names(rng: np.random.Generator, district: str, count: int) -> list[str]:
    """Stop names from the district's roads and the city's landmarks."""
    roads = pick(rng, ROADS[district], count)
    suffix = pick(rng, STOP_SUFFIXES, count)
    landmark = pick(rng, LANDMARKS, count)
    return np.where(rng.random(count) < 0.2, landmark, np.char.add(roads, suffix)).tolist()


def _length_metres(points: np.ndarray) -> int:
    """Length of a polyline of (lon, lat) points, by the equirectangular approximation."""
    lat = np.radians(points[:, 1].mean())
    dx = np.diff(points[:, 0]) * METRES_PER_DEGREE_LON_EQUATOR * np.cos(lat)
    dy = np.diff(points[:, 1]) * METRES_PER_DEGREE_LAT
    return int(np.round(np.hypot(dx, dy).sum()))


def build_bus_network(rng: np.random.Generator) -> tuple[DemoTable, DemoTable]:
    """The routes table and the stops table of one synthetic bus network."""
    routes: list[dict] = []
    stops: list[pd.DataFrame] = []
    for name in _route_names(rng).tolist():
        district = DISTRICTS[rng.integers(0, len(DISTRICTS))]
        count = int(rng.integers(12, 37))
        points = _walk(rng, district.centre, count)
        stop_names = _stop_names(rng, district.name, count)
        routes.append(_route_row(rng, name, district.name, stop_names, points))
        stops.append(_stop_rows(name, stop_names, points, len(stops)))
    return _routes_table(pd.DataFrame(routes)), _stops_table(pd.concat(stops, ignore_index=True))


def _route_row(
    rng: np.random.Generator, name: str, district: str, stop_names: list[str], points: np.ndarray
) -> dict:
    """One route's timetable facts."""
    return {
        "线路名称": name,
        "线路类型": "隧道巴士" if name.startswith("隧道") else "常规公交",
        "所属区": district,
        "起点站": stop_names[0],
        "终点站": stop_names[-1],
        "站点数": len(stop_names),
        "线路长度（米）": _length_metres(points),
        "首班时间": f"{int(rng.integers(5, 7)):02d}:{int(rng.choice([0, 15, 30, 45])):02d}",
        "末班时间": f"{int(rng.integers(19, 23)):02d}:{int(rng.choice([0, 15, 30, 45])):02d}",
        "票价（元）": 2 if name.startswith("隧道") else int(rng.choice([1, 2])),
        "运营单位": OPERATORS[int(rng.integers(0, len(OPERATORS)))],
    }


def _stop_rows(route: str, names: list[str], points: np.ndarray, route_index: int) -> pd.DataFrame:
    """The stops of one route in travel order, with stable stop codes."""
    return pd.DataFrame(
        {
            "线路名称": route,
            "站序": np.arange(1, len(names) + 1),
            "站点编号": [f"QDB{route_index:03d}{k:03d}" for k in range(1, len(names) + 1)],
            "站点名称": names,
            "经度": np.round(points[:, 0], 6),
            "纬度": np.round(points[:, 1], 6),
        }
    )


ROUTE_DICTIONARY = (
    ("线路名称", "公交线路的对外名称"),
    ("线路类型", "常规公交或隧道巴士"),
    ("所属区", "线路主要运营的区（市）"),
    ("起点站", "线路首站名称"),
    ("终点站", "线路末站名称"),
    ("站点数", "线路单程停靠的站点个数"),
    ("线路长度（米）", "线路单程长度（米）"),
    ("首班时间", "首班车发车时间（HH:MM）"),
    ("末班时间", "末班车发车时间（HH:MM）"),
    ("票价（元）", "单程票价（元）"),
    ("运营单位", "承担线路运营的公交公司"),
)
STOP_DICTIONARY = (
    ("线路名称", "站点所属的公交线路"),
    ("站序", "站点在线路单程中的顺序，从 1 起"),
    ("站点编号", "站点编号：QDB + 线路序号 + 站序"),
    ("站点名称", "站牌上的站点名称"),
    ("经度", "站点 WGS-84 经度（度）"),
    ("纬度", "站点 WGS-84 纬度（度）"),
)


def _routes_table(frame: pd.DataFrame) -> DemoTable:
    """Describe the routes table (XLSX, as many transport bureaus publish it)."""
    return demo_table(
        frame,
        file_format="xlsx",
        encoding=None,
        id="bus-routes",
        title="公交线路信息",
        title_en="Bus routes",
        description="公交线路名称、起终点站、首末班时间、票价（元）、线路长度与运营单位。",
        tags=("公交", "线路", "出行"),
        dictionary=ROUTE_DICTIONARY,
        **_ABOUT,
    )


def _stops_table(frame: pd.DataFrame) -> DemoTable:
    """Describe the stops table (CSV with WGS-84 coordinates)."""
    return demo_table(
        frame,
        identifier_columns=("站点编号",),
        id="bus-stops",
        title="公交站点信息",
        title_en="Bus stops",
        description="各公交线路的站点顺序、站点编号、名称及 WGS-84 经纬度。",
        tags=("公交", "站点", "地理位置"),
        dictionary=STOP_DICTIONARY,
        **_ABOUT,
    )
