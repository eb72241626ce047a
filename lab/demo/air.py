"""T1 hourly air quality by monitoring station: six pollutants and the AQI per HJ 633-2012.

Concentrations share a regional weather factor (slow AR(1) on the log scale), differ by station
(coast cleaner than inland), and follow daily cycles: particles and NO2 peak at rush hours, ozone
in the afternoon. The AQI is the maximum of the individual indices, each a piecewise-linear
interpolation between the standard's breakpoints, which is exactly what ``np.interp`` does.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from lab.demo.manifest import DemoTable, demo_table
from lab.demo.timeline import AS_OF

STATIONS = (
    ("QD01", "市南区东部", "市南区", 120.41, 36.07, 0.9),
    ("QD02", "市南区西部", "市南区", 120.33, 36.06, 0.95),
    ("QD03", "市北区", "市北区", 120.37, 36.09, 1.05),
    ("QD04", "李沧区", "李沧区", 120.43, 36.16, 1.1),
    ("QD05", "崂山区", "崂山区", 120.47, 36.10, 0.9),
    ("QD06", "仰口", "崂山区", 120.67, 36.24, 0.7),
    ("QD07", "黄岛区", "黄岛区", 120.20, 35.96, 1.0),
    ("QD08", "城阳区", "城阳区", 120.39, 36.31, 1.1),
    ("QD09", "即墨区", "即墨区", 120.45, 36.39, 1.1),
    ("QD10", "胶州市", "胶州市", 120.03, 36.27, 1.2),
    ("QD11", "平度市", "平度市", 119.96, 36.78, 1.25),
    ("QD12", "莱西市", "莱西市", 120.52, 36.89, 1.2),
)
"""(code, name, district, lon, lat, pollution factor): one per district, two extra."""
WEEKS = 8
# Pollutant: (column, typical level, weight of the traffic cycle, weight of the ozone cycle).
POLLUTANTS = {
    "PM2.5": ("PM2.5（μg/m³）", 28.0, 0.25, 0.0),
    "PM10": ("PM10（μg/m³）", 55.0, 0.2, 0.0),
    "O3": ("O3（μg/m³）", 85.0, -0.2, 0.45),
    "NO2": ("NO2（μg/m³）", 28.0, 0.45, -0.2),
    "SO2": ("SO2（μg/m³）", 7.0, 0.1, 0.0),
    "CO": ("CO（mg/m³）", 0.55, 0.25, 0.0),
}
IAQI = (0, 50, 100, 150, 200, 300, 400, 500)
BREAKPOINTS = {
    "PM2.5": (0, 35, 75, 115, 150, 250, 350, 500),
    "PM10": (0, 50, 150, 250, 350, 420, 500, 600),
    "O3": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "NO2": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "SO2": (0, 150, 500, 650, 800),
    "CO": (0, 5, 10, 35, 60, 90, 120, 150),
}
"""HJ 633-2012 breakpoints (1-hour for gases, 24-hour for particles, applied hourly here)."""
LEVELS = (50, 100, 150, 200, 300)
LEVEL_NAMES = ("优", "良", "轻度污染", "中度污染", "重度污染", "严重污染")


def individual_index(pollutant: str, concentration: np.ndarray) -> np.ndarray:
    """IAQI of ``pollutant`` at each concentration (linear between breakpoints, capped)."""
    points = BREAKPOINTS[pollutant]
    return np.interp(concentration, points, IAQI[: len(points)])


def _weather(rng: np.random.Generator, hours: int) -> np.ndarray:
    """Regional log-scale factor shared by all stations: slow AR(1) with hourly steps."""
    factor = np.empty(hours)
    factor[0] = 0.0
    shocks = rng.normal(0.0, 0.08, hours)
    for hour in range(1, hours):
        factor[hour] = 0.985 * factor[hour - 1] + shocks[hour]
    return factor


def _cycles(hour_of_day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Daily shapes in [-1, 1]: traffic peaks near 8:00 and 18:00, ozone near 15:00."""
    traffic = np.exp(-((hour_of_day - 8) ** 2) / 4) + np.exp(-((hour_of_day - 18) ** 2) / 6)
    ozone = np.cos((hour_of_day - 15) / 24 * 2 * np.pi)
    return 2 * traffic - 1, ozone


def build_air_quality(rng: np.random.Generator) -> DemoTable:
    """Hourly readings at every station for the last ``WEEKS`` weeks before the as-of date."""
    hours = WEEKS * 7 * 24
    end = np.datetime64(datetime.combine(AS_OF, datetime.max.time()), "h")
    times = end - np.arange(hours)[::-1]
    hour_of_day = (times.astype(int) % 24).astype(float)
    traffic, ozone = _cycles(hour_of_day)
    weather = _weather(rng, hours)
    frames = [_station_frame(rng, station, times, weather, traffic, ozone) for station in STATIONS]
    return _describe(pd.concat(frames, ignore_index=True))


def _station_frame(
    rng: np.random.Generator,
    station: tuple[str, str, str, float, float, float],
    times: np.ndarray,
    weather: np.ndarray,
    traffic: np.ndarray,
    ozone: np.ndarray,
) -> pd.DataFrame:
    """One station's readings with its AQI, level and primary pollutant."""
    code, name, district, lon, lat, factor = station
    values, indices = {}, {}
    for pollutant, (column, level, traffic_weight, ozone_weight) in POLLUTANTS.items():
        local = factor if pollutant != "O3" else 2 - factor
        log_level = (
            np.log(level * local) + weather + traffic_weight * traffic + ozone_weight * ozone
        )
        concentration = np.exp(log_level + rng.normal(0, 0.15, len(times)))
        values[column] = (
            np.round(concentration, 1)
            if pollutant == "CO"
            else np.round(concentration).astype(np.int64)
        )
        indices[pollutant] = individual_index(pollutant, values[column])
    stacked = np.vstack(list(indices.values()))
    aqi = np.ceil(stacked.max(axis=0)).astype(np.int64)
    primary = np.where(aqi > 50, np.asarray(list(indices))[stacked.argmax(axis=0)], "—")
    return pd.DataFrame(
        {
            "站点编码": code,
            "站点名称": name,
            "所属区": district,
            "经度": lon,
            "纬度": lat,
            "监测时间": np.char.add(
                np.char.replace(np.datetime_as_string(times, unit="h"), "T", " "), ":00"
            ),
            "AQI": aqi,
            "空气质量级别": np.asarray(LEVEL_NAMES)[np.searchsorted(LEVELS, aqi)],
            "首要污染物": primary,
            **values,
        }
    )


AIR_DICTIONARY = (
    ("站点编码", "国控或市控空气质量监测站点的编码"),
    ("站点名称", "监测站点名称"),
    ("所属区", "监测站点所在的区（市）"),
    ("经度", "监测站点 WGS-84 经度（度）"),
    ("纬度", "监测站点 WGS-84 纬度（度）"),
    ("监测时间", "整点监测时间（北京时间，YYYY-MM-DD HH:00）"),
    ("AQI", "空气质量指数，取各污染物空气质量分指数的最大值"),
    ("空气质量级别", "按 AQI 划分的级别：优、良、轻度污染……严重污染"),
    ("首要污染物", "AQI 大于 50 时分指数最大的污染物，否则为“—”"),
    *((column, f"{pollutant} 小时平均浓度") for pollutant, (column, *_) in POLLUTANTS.items()),
)


def _describe(frame: pd.DataFrame) -> DemoTable:
    """Catalogue entry for the hourly air quality table."""
    return demo_table(
        frame,
        id="air-quality-hourly",
        title="空气质量小时监测数据",
        title_en="Hourly air quality by monitoring station",
        description="各监测站点逐小时 AQI、空气质量级别、首要污染物及 PM2.5、PM10、O3、NO2、"
        "SO2（μg/m³）、CO（mg/m³）浓度。",
        department="青岛市生态环境局",
        topic="资源环境",
        tags=("空气质量", "AQI", "PM2.5", "环境监测"),
        update_frequency="hourly",
        intended_tier="T1",
        dictionary=AIR_DICTIONARY,
    )
