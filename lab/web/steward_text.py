"""What the steward's pages name in both languages: version and application states, the
application form's fields and pledge, feedback kinds, project states, and each classification
category by its name with its code beside it.

Every label is a (中文, English) pair; the Chinese side is the domain's own (``STATE_LABELS``,
``FORM_FIELDS``, the guide's ``name_zh``), so the two cannot drift apart in Chinese.
"""

from __future__ import annotations

from classification.findings import UNMATCHED
from classification.guide import Guide
from lab.catalogue.portal_workflow.applications import (
    FORM_FIELDS,
    MIN_PURPOSE,
    PLEDGE_ITEMS,
    STATE_LABELS,
    ApplicationForm,
    ApplicationState,
    SecurityPledge,
)
from lab.catalogue.portal_workflow.feedback import KIND_LABELS, FeedbackKind
from lab.catalogue.versions.decisions import VersionState
from lab.web.language import pick

Pair = tuple[str, str]

VERSION_STATES: dict[str, Pair] = {
    VersionState.PROPOSED: ("待决定", "Awaiting a decision"),
    VersionState.DECIDED: ("已决定，待发布", "Decided, awaiting publication"),
    VersionState.PUBLISHED: ("已发布", "Published"),
    VersionState.SUPERSEDED: ("已被新版本取代", "Superseded by a newer version"),
    VersionState.REJECTED: ("已拒绝（T5，数据未保存）", "Rejected (T5, data not kept)"),
    VersionState.WITHDRAWN: ("已撤回，不再提供", "Withdrawn, no longer served"),
}

_APPLICATION_STATES_EN = {
    ApplicationState.SUBMITTED: "Submitted, awaiting review",
    ApplicationState.RETURNED: "Incomplete, returned for completion",
    ApplicationState.APPROVED: "Approved",
    ApplicationState.REJECTED: "Not approved",
    ApplicationState.REPORTED: "Usage report submitted",
}
APPLICATION_STATES: dict[str, Pair] = {
    state: (chinese, _APPLICATION_STATES_EN[state]) for state, chinese in STATE_LABELS.items()
}

_FORM_FIELDS_EN = {
    "organisation": "Organisation",
    "contact_name": "Contact person",
    "contact_phone": "Contact phone",
    "contact_email": "E-mail",
    "purpose": "Purpose of use",
    "scenario": "Use scenario",
    "fields": "Data items needed",
    "period_months": "Period of use (months)",
    "security_measures": "Security measures",
}
FORM_FIELD_NAMES: tuple[tuple[str, Pair], ...] = tuple(
    (name, (chinese, _FORM_FIELDS_EN[name])) for name, chinese in FORM_FIELDS
)
CREDIT_CODE: Pair = ("统一社会信用代码", "Unified social credit code")

_PLEDGE_EN = {
    "purpose_only": "Use the data only for the purpose stated in the application",
    "no_reidentification": "Never try to identify people or firms in the data, nor link it to"
    " re-identify them",
    "no_onward_sharing": "Give no third party the data or any copy of it",
    "secure_storage": "Keep the data safe and report any leak at once",
    "destroy_after_use": "Delete every copy when the period of use ends",
    "report_use": "Report how the data was used and what came of it",
    "accept_tracing": "Know that each download carries its recipient's mark, so a leaked copy"
    " leads back to this application",
}
PLEDGE_NAMES: tuple[tuple[str, Pair], ...] = tuple(
    (key, (chinese, _PLEDGE_EN[key])) for key, chinese in PLEDGE_ITEMS
)

_FEEDBACK_EN = {FeedbackKind.SUGGESTION: "Suggestion", FeedbackKind.CORRECTION: "Data correction"}
FEEDBACK_KINDS: dict[str, Pair] = {
    kind: (chinese, _FEEDBACK_EN[kind]) for kind, chinese in KIND_LABELS.items()
}

PROJECT_STATES: dict[str, Pair] = {
    "applied": ("待审批", "Awaiting a decision"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已拒绝", "Rejected"),
}

# The guide names its categories in Chinese (``name_zh``); their English names, by code.
CATEGORY_NAMES_EN: dict[str, str] = {
    "RESIDENT_ID": "Resident ID number",
    "MOBILE": "Mobile number",
    "BANK_CARD": "Bank card number",
    "PLATE": "Vehicle plate",
    "PASSPORT": "Passport number",
    "HK_MACAO_PERMIT": "Hong Kong/Macao travel permit number",
    "PERSON_NAME": "Natural person's name",
    "COUNTERPARTY_NATURAL_PERSON": "Administrative counterparty that may be a person",
    "MASKED_RESIDENT_ID": "Masked resident ID (region code and last digit kept)",
    "MASKED_MOBILE": "Masked mobile number",
    "ENTERPRISE_ID": "Unified social credit code",
    "ORG_CODE": "Organisation code",
    "ENTERPRISE_NAME": "Name of a legal person or organisation",
    "LEGAL_REPRESENTATIVE": "Legal representative's name",
    "ENTERPRISE_REGISTER_FIELD": "Public enterprise register information",
    "ADMINISTRATIVE_DECISION": "Administrative licences and penalties (published)",
    "ENTERPRISE_OPERATING_DETAIL": "Enterprise annual-report operating details",
    "ENTERPRISE_CONFIDENTIAL_FINANCIAL": "Enterprise monthly tax, social insurance, fund,"
    " utility and customs data",
    "ENTERPRISE_CREDIT_RECORD": "Enterprise credit record",
    "BIRTH_DATE": "Date of birth",
    "AGE": "Age",
    "GENDER": "Gender",
    "PERSONAL_ADDRESS": "Personal address",
    "STREET": "Street or community",
    "WORK_UNIT": "Work unit",
    "SENSITIVE_PERSONAL": "Sensitive personal information",
    "COUNT": "Aggregate count",
    "FREE_TEXT": "Free text",
    "CREDENTIAL": "Login credential (password, key)",
    "BIOMETRIC": "Biometric information",
    "CORE_DATA": "Important or core data (GB/T 43697)",
}
UNMATCHED_NAME: Pair = ("未匹配任何类别", "No category matched")


def category_name(lang: str, code: str, guide: Guide | None) -> str:
    """A category's name in ``lang`` (the code alone when the guide or this table lacks it)."""
    if code == UNMATCHED:
        return pick(lang, *UNMATCHED_NAME)
    chinese = next((c.name_zh for c in guide.categories if c.code == code), "") if guide else ""
    return pick(lang, chinese, CATEGORY_NAMES_EN.get(code, "")) or code


def application_gaps(lang: str, form: ApplicationForm, pledge: SecurityPledge) -> list[str]:
    """What an application misses (the domain's own check), said in ``lang``."""
    gaps = form.missing() + pledge.missing()
    if lang != "en":
        return gaps
    english = {chinese: english for _, (chinese, english) in FORM_FIELD_NAMES}
    english |= {f"承诺：{chinese}": f"Pledge: {english}" for _, (chinese, english) in PLEDGE_NAMES}
    english |= {
        "使用期限（1–12 个月）": "Period of use (1–12 months)",
        f"数据用途（至少 {MIN_PURPOSE} 字）": f"Purpose of use (at least {MIN_PURPOSE} characters)",
        "电子邮箱（格式不正确）": "E-mail (not a valid address)",
        "承诺人签名": "Signer's name",
    }
    return [english.get(gap, "An item of the form or the pledge") for gap in gaps]
