"""T1 statistical series of the demo city: ridership, weather, water, farming, prices, economy.

Each series covers a few years up to the demo's as-of date (daily ones two years, monthly ones
three, yearly ones ten) and is drawn by ``lab.demo.open_city.series``: a level per group, a
trend, a yearly cycle where the thing has one (tourists in summer, heating in winter) and noise.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lab.demo.open_city import (
    DISTRICT_NAMES,
    DISTRICT_WEIGHTS,
    Measure,
    OpenSpec,
    series,
    series_dictionary,
)

DAILY_FROM, MONTHLY_FROM, YEARLY_FROM = date(2024, 11, 1), date(2023, 11, 1), date(2016, 1, 1)
DISTRICT = ("所属区", "区（市）")
STATS = "青岛市统计局"


def _spec(
    id_,
    title,
    title_en,
    description,
    department,
    topic,
    tags,
    frequency,
    period,
    first,
    measures,
    groups=(),
):
    """A series dataset: rows from ``series``, dictionary from the period, groups and measures.

    ``groups`` holds (column, values, relative sizes, description).
    """

    def draw(rng: np.random.Generator) -> pd.DataFrame:
        return series(
            rng,
            frequency=frequency,
            first=first,
            period=period[0],
            groups=[g[:3] for g in groups],
            measures=measures,
        )

    keys = tuple((g[0], g[3]) for g in groups)
    dictionary = series_dictionary(period, *keys, measures=measures)
    return OpenSpec(
        id_, title, title_en, description, department, topic, tags, frequency, dictionary, draw
    )


def _by_district(description: str = "区（市）"):
    return ("所属区", DISTRICT_NAMES, DISTRICT_WEIGHTS, description)


LINES = ("1号线", "2号线", "3号线", "4号线", "8号线", "11号线", "13号线")
STATIONS = ("市区站", "崂山站", "黄岛站", "胶州站", "平度站")
RIVERS = (
    "大沽河-产芝水库",
    "大沽河-南村",
    "墨水河-入海口",
    "白沙河-流亭",
    "李村河-入海口",
    "胶河-张应",
    "五龙河-沽河口",
)
CROPS = ("小麦", "玉米", "花生", "蔬菜", "水果")
PRODUCE = ("大白菜", "土豆", "西红柿", "黄瓜", "苹果", "猪肉", "鸡蛋", "带鱼")

SPECS = (
    _spec(
        "metro-ridership-daily",
        "地铁线路日客运量",
        "Daily metro ridership by line",
        "各轨道交通线路每日进站客运量（人次）。",
        "青岛地铁集团有限公司",
        "交通运输",
        ("地铁", "客流"),
        "daily",
        ("日期", "运营日"),
        DAILY_FROM,
        (Measure("进站量（人次）", "当日进站乘客人次", 120_000, 0.12, 0.1, 8, 0.08),),
        (("线路", LINES, (1.6, 1.3, 1.8, 0.7, 0.6, 0.5, 0.6), "轨道交通线路"),),
    ),
    _spec(
        "taxi-operations-monthly",
        "巡游出租汽车月度运营统计",
        "Monthly taxi operations",
        "全市巡游出租汽车营运车辆、载客里程与营运收入。",
        "青岛市交通运输局",
        "交通运输",
        ("出租车", "客运"),
        "monthly",
        ("月份", "统计月份"),
        MONTHLY_FROM,
        (
            Measure("营运车辆（辆）", "月末营运车辆数", 10_200, 0.01, 0, 7, -0.01),
            Measure("载客里程（万公里）", "当月载客行驶里程", 5_600, 0.05, 0.08, 8, -0.02, 1),
            Measure("营运收入（万元）", "当月营运收入", 21_000, 0.05, 0.08, 8, 0.0, 1),
        ),
    ),
    _spec(
        "weather-daily",
        "逐日气象观测数据",
        "Daily weather observations",
        "国家气象观测站逐日最高最低气温、降水量、平均风速与相对湿度。",
        "青岛市气象局",
        "气象服务",
        ("气象", "气温", "降水"),
        "daily",
        ("日期", "观测日"),
        DAILY_FROM,
        (
            Measure("最高气温（℃）", "日最高气温", 17, 1.2, 12, 8, digits=1, absolute=True),
            Measure("最低气温（℃）", "日最低气温", 10, 1.2, 13, 8, digits=1, absolute=True),
            Measure("降水量（毫米）", "日降水量", 4.5, 0.9, 0.8, 7, 0, 1, dry_share=0.72),
            Measure("平均风速（米/秒）", "日平均风速", 4.2, 0.3, 0.15, 3, 0, 1),
            Measure("相对湿度（%）", "日平均相对湿度", 70, 0.12, 0.15, 7, 0, upper=100),
        ),
        (("观测站", STATIONS, (1, 0.95, 1.02, 1.05, 1.08), "国家气象观测站"),),
    ),
    _spec(
        "climate-monthly",
        "月气候统计",
        "Monthly climate summary",
        "全市月平均气温、月降水量与日照时数（十年）。",
        "青岛市气象局",
        "气象服务",
        ("气候", "气温", "日照"),
        "monthly",
        ("月份", "统计月份"),
        YEARLY_FROM,
        (
            Measure("平均气温（℃）", "月平均气温", 13.3, 1.0, 12.5, 8, digits=1, absolute=True),
            Measure("降水量（毫米）", "月降水总量", 60, 0.5, 0.9, 7, 0, 1),
            Measure("日照时数（小时）", "月日照时数", 200, 0.1, 0.2, 5, 0, 1),
        ),
    ),
    _spec(
        "surface-water-quality-monthly",
        "地表水水质月报",
        "Monthly surface water quality",
        "主要河流国控、省控断面的溶解氧、高锰酸盐指数、氨氮与总磷（mg/L）。",
        "青岛市生态环境局",
        "资源环境",
        ("水质", "河流"),
        "monthly",
        ("月份", "监测月份"),
        MONTHLY_FROM,
        (
            Measure("溶解氧（mg/L）", "溶解氧浓度", 7.5, 0.12, 0.2, 1, 0, 2),
            Measure("高锰酸盐指数（mg/L）", "高锰酸盐指数", 4.8, 0.15, 0.15, 8, -0.03, 2),
            Measure("氨氮（mg/L）", "氨氮浓度", 0.45, 0.3, 0.2, 2, -0.05, 3),
            Measure("总磷（mg/L）", "总磷浓度", 0.12, 0.3, 0.2, 8, -0.04, 3),
        ),
        (("监测断面", RIVERS, (1, 0.9, 1.3, 1.1, 1.2, 1.0, 0.9), "河流-断面名称"),),
    ),
    _spec(
        "water-supply-monthly",
        "城市供水量月度统计",
        "Monthly water supply",
        "各区（市）城市公共供水量与售水量。",
        "青岛市水务管理局",
        "城建住房",
        ("供水", "水务"),
        "monthly",
        ("月份", "统计月份"),
        MONTHLY_FROM,
        (
            Measure("供水量（万立方米）", "当月公共供水总量", 1_150, 0.04, 0.1, 8, 0.02, 1),
            Measure("售水量（万立方米）", "当月售水量", 1_010, 0.04, 0.1, 8, 0.02, 1),
        ),
        (_by_district(),),
    ),
    _spec(
        "crop-output-yearly",
        "主要农作物播种面积与产量",
        "Crop area and output",
        "各区（市）主要农作物播种面积（公顷）与产量（吨），十年。",
        "青岛市农业农村局",
        "农业农村",
        ("农业", "粮食", "产量"),
        "yearly",
        ("年份", "统计年度"),
        YEARLY_FROM,
        (
            Measure("播种面积（公顷）", "全年播种面积", 9_000, 0.05, 0, 7, -0.01),
            Measure("产量（吨）", "全年产量", 60_000, 0.08, 0, 7, 0.01),
        ),
        (
            ("作物", CROPS, (2.2, 2.6, 1.0, 1.4, 0.8), "作物类别"),
            ("所属区", DISTRICT_NAMES[2:], (0.9, 0.2, 0.1, 0.6, 1.0, 1.1, 1.6, 1.3), "区（市）"),
        ),
    ),
    _spec(
        "wholesale-produce-prices-daily",
        "农产品批发价格",
        "Daily wholesale produce prices",
        "主要批发市场大宗农产品日均批发价格（元/公斤）。",
        "青岛市商务局",
        "农业农村",
        ("价格", "农产品", "菜篮子"),
        "daily",
        ("日期", "交易日"),
        DAILY_FROM,
        (Measure("平均批发价（元/公斤）", "当日成交均价", 4.0, 0.06, 0.25, 1, 0.02, 2),),
        (("品种", PRODUCE, (0.4, 0.7, 1.1, 1.0, 1.6, 6.5, 2.5, 8.0), "农产品品种"),),
    ),
    _spec(
        "new-market-entities-monthly",
        "新设市场主体月度统计",
        "New businesses per month",
        "各区（市）每月新设立的企业与个体工商户户数及注册资本。",
        "青岛市市场监督管理局",
        "经贸工商",
        ("市场主体", "企业", "开办"),
        "monthly",
        ("月份", "登记月份"),
        MONTHLY_FROM,
        (
            Measure("新设企业户数", "当月新设立企业", 1_300, 0.1, 0.12, 4, 0.05),
            Measure("新设个体工商户户数", "当月新设个体工商户", 4_200, 0.1, 0.15, 5, 0.03),
            Measure("新设企业注册资本（万元）", "新设企业注册资本合计", 380_000, 0.2, 0.1, 4, 0.04),
        ),
        (_by_district(),),
    ),
    _spec(
        "licence-approvals-monthly",
        "政务服务事项办理月报",
        "Monthly licence approvals",
        "行政审批服务局每月受理和办结的许可事项件数及按时办结率。",
        "青岛市行政审批服务局",
        "经贸工商",
        ("行政许可", "政务服务"),
        "monthly",
        ("月份", "统计月份"),
        MONTHLY_FROM,
        (
            Measure("受理件数", "当月受理的许可申请件数", 2_300, 0.08, 0.1, 4, 0.04),
            Measure("办结件数", "当月办结件数", 2_250, 0.08, 0.1, 4, 0.04),
            Measure("按时办结率（%）", "承诺时限内办结的比例", 99.2, 0.003, 0, 7, 0, 1),
        ),
        (
            (
                "事项类别",
                ("投资建设", "市场准入", "交通运输", "社会事务", "卫生健康"),
                (1.2, 2.5, 0.8, 0.6, 0.5),
                "许可事项类别",
            ),
        ),
    ),
    _spec(
        "new-housing-sales-monthly",
        "新建商品住宅成交月报",
        "Monthly new-home sales",
        "各区（市）新建商品住宅网签成交套数、面积与均价。",
        "青岛市住房和城乡建设局",
        "城建住房",
        ("房地产", "住宅"),
        "monthly",
        ("月份", "网签月份"),
        MONTHLY_FROM,
        (
            Measure("成交套数", "当月网签套数", 900, 0.15, 0.1, 5, -0.06),
            Measure("成交面积（万平方米）", "当月网签面积", 9.5, 0.15, 0.1, 5, -0.06, 2),
            Measure("成交均价（元/平方米）", "网签面积加权均价", 16_000, 0.04, 0, 7, -0.03),
        ),
        (_by_district(),),
    ),
    _spec(
        "tourism-reception-monthly",
        "旅游接待月度统计",
        "Monthly tourism figures",
        "全市接待国内外游客人次与旅游收入。",
        "青岛市文化和旅游局",
        "文化休闲",
        ("旅游", "游客"),
        "monthly",
        ("月份", "统计月份"),
        MONTHLY_FROM,
        (
            Measure("接待游客（万人次）", "当月接待游客", 950, 0.06, 0.45, 8, 0.06, 1),
            Measure("旅游收入（亿元）", "当月旅游总收入", 160, 0.06, 0.45, 8, 0.07, 2),
        ),
    ),
    _spec(
        "library-lending-monthly",
        "公共图书馆借阅月报",
        "Monthly library lending",
        "市、区两级公共图书馆的到馆人次与外借册次。",
        "青岛市文化和旅游局",
        "文化休闲",
        ("图书馆", "阅读"),
        "monthly",
        ("月份", "统计月份"),
        MONTHLY_FROM,
        (
            Measure("到馆人次", "当月到馆读者人次", 42_000, 0.08, 0.2, 8, 0.03),
            Measure("外借册次", "当月外借图书册次", 65_000, 0.08, 0.2, 8, 0.01),
        ),
        (_by_district("图书馆所在区（市）"),),
    ),
    _spec(
        "education-statistics-yearly",
        "教育事业统计",
        "Education statistics",
        "各区（市）各学段学校数、在校生人数与专任教师人数（学年）。",
        "青岛市教育局",
        "教育科技",
        ("教育", "学校", "统计"),
        "yearly",
        ("年份", "学年开始的年份"),
        YEARLY_FROM,
        (
            Measure("学校数（所）", "学校数", 45, 0.03, 0, 7, 0.0),
            Measure("在校生人数", "在校学生数", 42_000, 0.02, 0, 7, 0.015),
            Measure("专任教师人数", "专任教师数", 3_200, 0.02, 0, 7, 0.02),
        ),
        (_by_district(), ("学段", ("小学", "初中", "高中"), (1.0, 0.45, 0.22), "学段")),
    ),
    _spec(
        "health-resources-yearly",
        "卫生资源统计",
        "Health resources",
        "各区（市）医疗卫生机构数、床位数与执业（助理）医师人数。",
        "青岛市卫生健康委员会",
        "医疗卫生",
        ("卫生", "床位", "医师"),
        "yearly",
        ("年份", "统计年度"),
        YEARLY_FROM,
        (
            Measure("医疗卫生机构（个）", "年末机构数", 900, 0.03, 0, 7, 0.01),
            Measure("床位（张）", "年末实有床位", 6_000, 0.03, 0, 7, 0.03),
            Measure("执业（助理）医师人数", "年末执业（助理）医师", 4_100, 0.03, 0, 7, 0.04),
        ),
        (_by_district(),),
    ),
    _spec(
        "resident-population-yearly",
        "常住人口统计",
        "Resident population",
        "各区（市）年末常住人口（万人）与城镇化率。",
        STATS,
        "社会民生",
        ("人口", "城镇化"),
        "yearly",
        ("年份", "统计年度"),
        YEARLY_FROM,
        (
            Measure("常住人口（万人）", "年末常住人口", 100, 0.01, 0, 7, 0.012, 2),
            Measure("城镇化率（%）", "城镇人口占常住人口的比例", 74, 0.01, 0, 7, 0.008, 2),
        ),
        (_by_district(),),
    ),
    _spec(
        "gdp-quarterly",
        "地区生产总值（季度）",
        "Quarterly GDP",
        "全市分产业地区生产总值（亿元，现价，当季）。",
        STATS,
        "经贸工商",
        ("GDP", "经济", "统计"),
        "quarterly",
        ("季度", "统计季度"),
        YEARLY_FROM,
        (Measure("地区生产总值（亿元）", "当季地区生产总值", 950, 0.02, 0.1, 10, 0.055, 1),),
        (("产业", ("第一产业", "第二产业", "第三产业"), (0.035, 0.35, 0.615), "三次产业"),),
    ),
    _spec(
        "consumer-price-index-monthly",
        "居民消费价格指数",
        "Consumer price index",
        "居民消费价格分类指数（上年同月=100）。",
        STATS,
        "经贸工商",
        ("CPI", "价格", "统计"),
        "monthly",
        ("月份", "统计月份"),
        MONTHLY_FROM,
        (Measure("指数（上年同月=100）", "同比价格指数", 100.6, 0.008, 0, 7, 0, 1),),
        (
            (
                "类别",
                ("食品烟酒", "衣着", "居住", "交通通信", "教育文化娱乐", "医疗保健"),
                (1, 1, 1, 1, 1, 1),
                "消费类别",
            ),
        ),
    ),
    _spec(
        "elderly-care-beds-yearly",
        "养老服务资源统计",
        "Elderly care capacity",
        "各区（市）养老机构数、养老床位与社区养老服务站数量。",
        "青岛市民政局",
        "社会民生",
        ("养老", "民政"),
        "yearly",
        ("年份", "统计年度"),
        YEARLY_FROM,
        (
            Measure("养老机构（家）", "年末养老机构数", 30, 0.05, 0, 7, 0.03),
            Measure("养老床位（张）", "年末养老床位", 4_200, 0.05, 0, 7, 0.05),
            Measure("社区养老服务站（个）", "年末社区养老服务站", 60, 0.05, 0, 7, 0.08),
        ),
        (_by_district(),),
    ),
    _spec(
        "coastal-bathing-water-daily",
        "海水浴场水质日报",
        "Bathing water quality",
        "主要海水浴场每日水温、浪高与粪大肠菌群（个/L）监测。",
        "青岛市海洋发展局",
        "资源环境",
        ("海水浴场", "水质", "海洋"),
        "daily",
        ("日期", "监测日"),
        DAILY_FROM,
        (
            Measure("水温（℃）", "表层海水温度", 15, 0.8, 10, 8, digits=1, absolute=True),
            Measure("浪高（米）", "有效波高", 0.6, 0.35, 0.2, 1, 0, 1),
            Measure("粪大肠菌群（个/L）", "粪大肠菌群浓度", 220, 0.5, 0.4, 8, 0),
        ),
        (
            (
                "浴场",
                ("第一海水浴场", "第二海水浴场", "石老人海水浴场", "金沙滩海水浴场"),
                (1.0, 0.95, 1.0, 1.05),
                "海水浴场名称",
            ),
        ),
    ),
)
"""Statistical series, in a fixed order."""
