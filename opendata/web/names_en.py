"""English names of the catalogue's topics and publishing departments, for English pages.

Topics and departments are stored in Chinese (they are facet values, links and search terms);
English pages show these names instead, and a value with no English name here is shown as it
is stored. Links and filters keep the stored Chinese value.
"""

from __future__ import annotations

TOPICS_EN: dict[str, str] = {
    "交通出行": "Transport",
    "交通运输": "Transport",
    "生态环境": "Environment",
    "能源环境": "Energy and environment",
    "资源环境": "Natural resources",
    "信用服务": "Credit services",
    "公共安全": "Public safety",
    "农业农村": "Agriculture and rural affairs",
    "医疗卫生": "Health",
    "城建住房": "Urban development and housing",
    "教育科技": "Education, science and technology",
    "文化休闲": "Culture and leisure",
    "气象服务": "Weather",
    "社会民生": "Social services",
    "社保就业": "Social insurance and employment",
    "经贸工商": "Trade and business",
    "财税金融": "Finance and tax",
    "机构团体": "Organisations",
    "地理空间": "Geography",
}

DEPARTMENTS_EN: dict[str, str] = {
    "中华人民共和国青岛海关": "Qingdao Customs",
    "中国人民银行青岛市分行（地方征信平台）": "PBOC Qingdao Branch (local credit platform)",
    "国家税务总局青岛市税务局": "Qingdao Tax Service, State Taxation Administration",
    "国网青岛供电公司、青岛水务集团": "State Grid Qingdao Power Supply; Qingdao Water Group",
    "青岛地铁集团有限公司": "Qingdao Metro Group",
    "青岛市中级人民法院": "Qingdao Intermediate People's Court",
    "青岛市交通运输局": "Qingdao Transport Bureau",
    "青岛市人力资源和社会保障局": "Qingdao Human Resources and Social Security Bureau",
    "青岛市住房公积金管理中心": "Qingdao Housing Provident Fund Centre",
    "青岛市住房和城乡建设局": "Qingdao Housing and Urban-Rural Development Bureau",
    "青岛市体育局": "Qingdao Sports Bureau",
    "青岛市公安局": "Qingdao Public Security Bureau",
    "青岛市农业农村局": "Qingdao Agriculture and Rural Affairs Bureau",
    "青岛市卫生健康委员会": "Qingdao Health Commission",
    "青岛市发展和改革委员会": "Qingdao Development and Reform Commission",
    "青岛市发展和改革委员会（社会信用体系建设）": (
        "Qingdao Development and Reform Commission (social credit system)"
    ),
    "青岛市商务局": "Qingdao Commerce Bureau",
    "青岛市园林和林业局": "Qingdao Parks and Forestry Bureau",
    "青岛市城市管理局": "Qingdao Urban Management Bureau",
    "青岛市市场监督管理局": "Qingdao Market Supervision Administration",
    "青岛市教育局": "Qingdao Education Bureau",
    "青岛市文化和旅游局": "Qingdao Culture and Tourism Bureau",
    "青岛市民政局": "Qingdao Civil Affairs Bureau",
    "青岛市气象局": "Qingdao Meteorological Bureau",
    "青岛市水务管理局": "Qingdao Water Affairs Bureau",
    "青岛市海洋发展局": "Qingdao Ocean Development Bureau",
    "青岛市生态环境局": "Qingdao Ecology and Environment Bureau",
    "青岛市统计局": "Qingdao Statistics Bureau",
    "青岛市行政审批服务局": "Qingdao Administrative Approval Services Bureau",
    "市交通运输局": "Transport Bureau",
    "市生态环境局": "Ecology and Environment Bureau",
    "市大数据局": "Big Data Bureau",
    "市市场监管局": "Market Supervision Administration",
}
