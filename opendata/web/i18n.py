"""The portal's two languages: Chinese by default, English on request.

``?lang=en`` (or ``zh``) switches and is remembered in a cookie (``lab.web.language``, shared
with the lab's own pages); pages set ``<html lang>`` from it. Every fixed text of the pages
lives here once, as a (中文, English) pair; dataset titles show their English title in English
where the steward gave one.
"""

from __future__ import annotations

from dataclasses import dataclass

from lab.web.language import COOKIE, HTML_LANG, LANGS, language_of
from opendata.web.names_en import DEPARTMENTS_EN, TOPICS_EN

__all__ = ["COOKIE", "LANGS", "MESSAGES", "Translator", "language_of"]

MESSAGES: dict[str, tuple[str, str]] = {
    "site": ("城市公共数据开放平台", "City Open Data Portal"),
    "skip": ("跳到正文", "Skip to content"),
    "home": ("首页", "Home"),
    "catalogue": ("数据目录", "Catalogue"),
    "departments": ("数据提供部门", "Departments"),
    "api": ("开发者 API", "Developer API"),
    "feedback": ("意见建议 / 数据纠错", "Suggestions / corrections"),
    "account": ("我的申请", "My applications"),
    "my_home": ("我的主页", "My home"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "register": ("注册", "Register"),
    "switch": ("English", "中文"),
    "search": ("搜索", "Search"),
    "search_label": ("搜索数据集", "Search datasets"),
    "search_hint": ("输入关键词，如 交通、空气质量、企业", "Keywords, e.g. transport, air quality"),
    "intro": (
        "本平台按《公共数据分类分级指南》开放公共数据：无条件开放数据可直接预览、下载和调用，"
        "有条件开放数据经申请批准后获取脱敏数据。",
        "Public data classified by the city's guide: open data can be previewed, downloaded and "
        "queried by anyone; conditional data is released as a de-identified extract on approval.",
    ),
    "featured": ("热门数据", "Popular datasets"),
    "latest": ("最新发布", "Recently published"),
    "topics": ("主题分类", "Topics"),
    "results": ("共 {n} 个数据集", "{n} datasets"),
    "no_results": ("没有找到符合条件的数据集。", "No dataset matches."),
    "sort": ("排序", "Sort by"),
    "apply_sort": ("应用", "Apply"),
    "sort_relevance": ("相关度", "Relevance"),
    "sort_last_updated": ("最近更新", "Last updated"),
    "sort_title": ("名称", "Title"),
    "sort_views": ("浏览量", "Views"),
    "sort_downloads": ("下载量", "Downloads"),
    "sort_popular": ("热度（浏览 + 下载）", "Popularity (views + downloads)"),
    "no_usage_yet": (
        "还没有浏览或下载记录；有人使用后，这里列出最常用的数据集。",
        "No views or downloads yet; the most used datasets will be listed here.",
    ),
    "site_pages": ("关于本站", "About this site"),
    "about": ("关于我们", "About"),
    "contact": ("联系我们", "Contact"),
    "privacy": ("隐私说明", "Privacy"),
    "terms": ("使用条款", "Terms of use"),
    "suggestions": ("换个方式找找", "Try another way"),
    "try_terms": ("这些词能找到数据集：", "These words find datasets:"),
    "browse_topics": ("或按主题浏览：", "Or browse a topic:"),
    "facet_topic": ("主题", "Topic"),
    "facet_department": ("部门", "Department"),
    "facet_tier": ("开放属性", "Access"),
    "facet_format": ("格式", "Format"),
    "facet_update_frequency": ("更新频率", "Update frequency"),
    "facet_tags": ("标签", "Tags"),
    "clear_filters": ("清除筛选", "Clear filters"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "page_of": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "tier_T1": ("无条件开放", "Open"),
    "tier_T2": ("有条件开放", "Conditional"),
    "department": ("提供部门", "Department"),
    "topic": ("主题", "Topic"),
    "tags": ("标签", "Tags"),
    "update_frequency": ("更新频率", "Update frequency"),
    "licence": ("许可协议", "Licence"),
    "licence_conditional_intro": (
        "有条件开放数据仅向申请获批的单位或个人提供。申请人提交有条件开放数据申请表，"
        "并签署公共数据安全承诺书，承诺：",
        "Conditional open data is provided only to applicants whose application is approved. "
        "The applicant submits the application form and signs the public data security pledge, "
        "undertaking to:",
    ),
    "last_updated": ("最近更新", "Last updated"),
    "version": ("版本", "Version"),
    "rows": ("数据量", "Rows"),
    "views": ("浏览", "Views"),
    "downloads": ("下载", "Downloads"),
    "usage": ("使用情况（实时）", "Usage (live)"),
    "metadata": ("基本信息", "About this dataset"),
    "dictionary": ("数据项说明", "Data dictionary"),
    "column": ("数据项", "Column"),
    "type": ("类型", "Type"),
    "type_number": ("数值", "number"),
    "type_text": ("文本", "text"),
    "description": ("说明", "Description"),
    "unit": ("单位", "Unit"),
    "category": ("分类类别", "Classification category"),
    "no_description": ("暂无说明", "No description"),
    "completeness": ("完整率", "Completeness"),
    "quality": ("数据质量", "Data quality"),
    "quality_summary": (
        "{rows} 行 × {columns} 列，整体完整率 {share}",
        "{rows} rows × {columns} columns, {share} of cells filled",
    ),
    "preview": ("数据预览（前 {n} 行）", "Preview (first {n} rows)"),
    "chart": ("图表", "Chart"),
    "chart_table": ("图表数据", "Chart data"),
    "chart_mean": ("{measure} 按 {by} 的平均值", "Mean {measure} by {by}"),
    "chart_count": ("按 {by} 的记录数", "Rows by {by}"),
    "chart_bars": ("{measure} 的分布", "Distribution of {measure}"),
    "chart_map": ("位置分布（{lon}、{lat}）", "Locations ({lon}, {lat})"),
    "chart_points": ("点数", "Points"),
    "download": ("数据下载", "Downloads"),
    "format": ("格式", "Format"),
    "size": ("大小", "Size"),
    "checksum": ("SHA-256 校验值", "SHA-256 checksum"),
    "built_on_first": ("首次下载时生成", "Built on first download"),
    "csv_bom": ("CSV（带 BOM，Excel 打开）", "CSV with BOM (for Excel)"),
    "api_examples": ("API 调用示例", "API examples"),
    "conditional_notice": (
        "本数据集为有条件开放数据：登录后提交申请及安全承诺书，经审核批准后可下载脱敏数据，"
        "每份下载均带有接收方标识，可追溯。",
        "Conditional data: sign in, apply with a security pledge, and once approved download a "
        "de-identified extract; each copy carries a recipient fingerprint.",
    ),
    "apply_now": ("申请使用", "Apply for access"),
    "report_error": ("数据纠错", "Report an error"),
    "answer_clock": ("答复时限：{days} 个工作日内", "Answered within {days} working days"),
    "due": ("答复期限", "Answer due"),
    "lookup": ("查询答复", "Look up an answer"),
    "lookup_intro": (
        "已提交过意见或纠错？凭提交时给出的编号和查询码可查看处理状态和答复。",
        "Sent a note before? Its number and lookup code show its state and the answer.",
    ),
    "lookup_keep": (
        "请记下编号和查询码：查询码只显示这一次，凭二者可查看答复。",
        "Keep the number and the lookup code: the code is shown only this once, and both are "
        "needed to read the answer.",
    ),
    "days_left": ("剩余 {n} 个工作日", "{n} working days left"),
    "overdue": ("已超期", "Overdue"),
    "answered": ("已答复", "Answered"),
    "not_found": ("页面不存在", "Page not found"),
    "not_found_text": ("没有这个数据集或页面。", "There is no such dataset or page."),
    "datasets_of": ("{name} 的数据集", "Datasets of {name}"),
    "dataset_count": ("{n} 个数据集", "{n} datasets"),
    "application_form": ("有条件开放数据申请表", "Application for conditional data (申请表)"),
    "security_pledge": ("公共数据安全承诺书", "Public data security pledge (承诺书)"),
}

# English wording for exactly one (``n=1``), where the plural above would read "1 datasets".
SINGULAR_EN: dict[str, str] = {
    "results": "{n} dataset",
    "dataset_count": "{n} dataset",
    "days_left": "{n} working day left",
}

FREQUENCIES: dict[str, tuple[str, str]] = {
    "realtime": ("实时", "Real time"),
    "hourly": ("每小时", "Hourly"),
    "daily": ("每日", "Daily"),
    "weekly": ("每周", "Weekly"),
    "monthly": ("每月", "Monthly"),
    "quarterly": ("每季度", "Quarterly"),
    "yearly": ("每年", "Yearly"),
    "irregular": ("不定期", "Irregular"),
}

# English for the conditional-data forms, whose Chinese wording comes from lab.catalogue's
# official form (申请表, 承诺书) and application states; keyed by field / undertaking / state.
FORM_LABELS_EN = {
    "organisation": "Applicant organisation",
    "contact_name": "Contact person",
    "contact_phone": "Telephone",
    "contact_email": "Email",
    "purpose": "Purpose of use",
    "scenario": "Application scenario",
    "fields": "Data items needed",
    "period_months": "Period of use (months)",
    "security_measures": "Security measures",
    "credit_code": "Unified social credit code (when applying for an organisation)",
    "signer": "Signed by (full name)",
}
PLEDGES_EN = {
    "purpose_only": "Use the data only for the purpose stated in the application",
    "no_reidentification": (
        "Not try to identify any person or enterprise in the data, nor link it with other data "
        "to re-identify them"
    ),
    "no_onward_sharing": "Not give, transfer or publish the data or any copy to a third party",
    "secure_storage": "Keep the data secure and report any leak at once",
    "destroy_after_use": "Delete every copy when the period of use ends",
    "report_use": "Report how the data was used and what came of it",
    "accept_tracing": (
        "Understand that every download carries a recipient mark, so a leaked copy can be "
        "traced to this application"
    ),
}
STATES_EN = {
    "submitted": "Submitted, awaiting review",
    "returned": "Incomplete, returned for correction",
    "approved": "Approved",
    "rejected": "Not approved",
    "reported": "Usage report submitted",
}


@dataclass(frozen=True)
class Translator:
    """Fixed texts in one language: ``t("key", n=3)`` (English says "1 dataset", "3 datasets")."""

    lang: str

    @property
    def html_lang(self) -> str:
        return HTML_LANG[self.lang]

    def __call__(self, key: str, **values: object) -> str:
        pair = MESSAGES.get(key)
        if pair is None:
            return key
        text = pair[LANGS.index(self.lang)]
        if self.lang == "en" and values.get("n") == 1:
            text = SINGULAR_EN.get(key, text)
        return text.format(**values) if values else text

    def field(self, name: str, chinese: str) -> str:
        """A form field's label: the official Chinese wording, or its English."""
        return FORM_LABELS_EN.get(name, chinese) if self.lang == "en" else chinese

    def pledge(self, key: str, chinese: str) -> str:
        return PLEDGES_EN.get(key, chinese) if self.lang == "en" else chinese

    def state(self, state: str, chinese: str) -> str:
        return STATES_EN.get(str(state), chinese) if self.lang == "en" else chinese

    def frequency(self, value: str) -> str:
        pair = FREQUENCIES.get(value.lower()) if value else None
        return pair[LANGS.index(self.lang)] if pair else value

    def topic(self, value: str) -> str:
        """A topic's name in the page's language (the stored Chinese when none is known)."""
        return TOPICS_EN.get(value, value) if self.lang == "en" else value

    def department(self, value: str) -> str:
        """A department's name in the page's language (the stored Chinese when none is known)."""
        return DEPARTMENTS_EN.get(value, value) if self.lang == "en" else value

    def title(self, dataset) -> str:
        return dataset.title_en if self.lang == "en" and dataset.title_en else dataset.title
