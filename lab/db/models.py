"""The metadata database's tables (SQLAlchemy 2.x declarative models).

Alembic migrations in ``lab/db/migrations`` create these; a test checks the two agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model (``__table__`` is typed as any FROM clause; it is a Table)."""
    return cast(Table, model.__table__)


class Organisation(Base):
    """An enterprise, bank, government department or the bureau itself."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class User(Base):
    """A person who signs in to the lab; roles say what they may do."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation | None] = relationship()
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class ApiToken(Base):
    """A bearer credential: only a lookup prefix and a hash of the secret are stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One link of the hash-chained audit log; never updated or deleted by the lab."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str] = mapped_column(String(500))
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class Dataset(Base):
    """A catalogue entry; its served content is the version ``current_version_id`` names.

    ``current_version_id`` has no foreign key on purpose: it is switched in the same transaction
    that marks a version published, and a cycle between the two tables would complicate that.
    """

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(200), index=True)
    topic: Mapped[str] = mapped_column(String(100), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    update_frequency: Mapped[str] = mapped_column(String(40), default="")
    current_version_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DatasetVersion(Base):
    """One ingested file of a dataset, from staging through classification to publication."""

    __tablename__ = "dataset_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    source_name: Mapped[str] = mapped_column(String(255))
    source_format: Mapped[str] = mapped_column(String(20))
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_bytes: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(BigInteger)
    profile: Mapped[list[dict]] = mapped_column(JSON)
    classification: Mapped[dict] = mapped_column(JSON)
    guide_version: Mapped[str] = mapped_column(String(40))
    proposed_tier: Mapped[str] = mapped_column(String(2))
    tier: Mapped[str | None] = mapped_column(String(2))
    justification: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    staging_dir: Mapped[str | None] = mapped_column(String(500))
    objects: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    publication: Mapped[str | None] = mapped_column(String(80))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deidentification: Mapped[dict | None] = mapped_column(JSON)
    dictionary: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")
    """The data dictionary the steward supplied (``lab.catalogue.dictionary``)."""


class DpMetadata(Base):
    """What the steward declares for DP queries on a restricted version (DESIGN §4)."""

    __tablename__ = "dp_metadata"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_versions.id", ondelete="CASCADE"), primary_key=True
    )
    privacy_unit: Mapped[str] = mapped_column(String(200))
    max_rows_per_unit: Mapped[int] = mapped_column(Integer)
    bounds: Mapped[dict[str, list[float | str]]] = mapped_column(JSON)
    domains: Mapped[dict[str, str]] = mapped_column(JSON)
    unique_per_unit: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GuideRevision(Base):
    """A steward's edit of the classification guide (e.g. the negative list), newest wins."""

    __tablename__ = "guide_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guide_version: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HierarchyRevision(Base):
    """A steward's edit of the generalisation hierarchies beside the guide, newest wins."""

    __tablename__ = "hierarchy_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hierarchies_version: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SandboxProject(Base):
    """An organisation's application to analyse restricted datasets in the sandbox."""

    __tablename__ = "sandbox_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    datasets: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    state: Mapped[str] = mapped_column(String(20))
    applied_by: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accounting: Mapped[str] = mapped_column(String(10), default="pure", server_default="pure")


class PrivacyBudget(Base):
    """A project's privacy budget on one dataset, in micro-ε and pico-δ (integers: exact sums).

    ``spent_micro`` and ``delta_spent_pico`` only grow, by one conditional update that never
    passes ``limit_micro`` or ``delta_limit_pico``. A project under ρ-zCDP accounting also holds
    ``rho_limit_micro`` / ``rho_spent_micro`` (micro-ρ); its ε columns then hold the (ε, δ) that
    its ρ implies at its δ (``lab.gateway.zcdp``).
    """

    __tablename__ = "privacy_budgets"
    __table_args__ = (UniqueConstraint("project_id", "dataset_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("sandbox_projects.id"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    limit_micro: Mapped[int] = mapped_column(BigInteger)
    spent_micro: Mapped[int] = mapped_column(BigInteger, default=0)
    delta_limit_pico: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    delta_spent_pico: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rho_limit_micro: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    rho_spent_micro: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class OrganisationBudget(Base):
    """An organisation's cap on one dataset, or on one privacy unit across all its datasets.

    Exactly one of ``dataset_id`` and ``privacy_unit`` is set. ``allocated_*`` (dataset level
    only) is the sum of the organisation's project budgets on the dataset, which may never pass
    the cap; ``spent_*`` grows with every charged query, by a conditional update.
    """

    __tablename__ = "organisation_budgets"
    __table_args__ = (
        UniqueConstraint("organisation_id", "dataset_id", name="uq_organisation_budgets_dataset"),
        UniqueConstraint("organisation_id", "privacy_unit", name="uq_organisation_budgets_unit"),
        CheckConstraint("(dataset_id IS NULL) <> (privacy_unit IS NULL)", name="one_scope"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("datasets.id"))
    privacy_unit: Mapped[str | None] = mapped_column(String(240))
    limit_micro: Mapped[int] = mapped_column(BigInteger)
    allocated_micro: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_micro: Mapped[int] = mapped_column(BigInteger, default=0)
    delta_limit_pico: Mapped[int] = mapped_column(BigInteger)
    delta_allocated_pico: Mapped[int] = mapped_column(BigInteger, default=0)
    delta_spent_pico: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProjectUnitRho(Base):
    """The ρ a zCDP project has spent on one privacy unit, across every dataset about it.

    One row per (project, the organisation's budget row on the unit). All the project's releases
    on datasets about the unit compose in ρ here — a join counted once — and the organisation's
    unit level is charged the (ε, δ) this ρ implies at ``delta_pico`` (the δ of the project's
    first charged budget, fixed when the row is made): the increments telescope to ε(ρ spent).
    """

    __tablename__ = "project_unit_rho"
    __table_args__ = (UniqueConstraint("project_id", "organisation_budget_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("sandbox_projects.id"))
    organisation_budget_id: Mapped[int] = mapped_column(ForeignKey("organisation_budgets.id"))
    rho_spent_micro: Mapped[int] = mapped_column(BigInteger, default=0)
    delta_pico: Mapped[int] = mapped_column(BigInteger)


class QueryRelease(Base):
    """One charged query: reserved before any data is touched, its answer stored before release.

    ``query_key`` identifies (dataset version, canonical query, ε, δ); a second identical query
    from any project of the same organisation (``organisation_budget_id``: the organisation's
    budget on the dataset) returns the stored answer at no cost, so noise cannot be averaged away
    by asking again or from another project. Releases from before the cache was shared that
    duplicate an earlier one of the organisation keep ``organisation_budget_id`` empty.
    """

    __tablename__ = "query_releases"
    __table_args__ = (
        UniqueConstraint("budget_id", "query_key"),
        UniqueConstraint("organisation_budget_id", "query_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("privacy_budgets.id"), index=True)
    organisation_budget_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation_budgets.id")
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id"))
    query_key: Mapped[str] = mapped_column(String(64))
    query_text: Mapped[str] = mapped_column(Text)
    cost_micro: Mapped[int] = mapped_column(BigInteger)
    cost_delta_pico: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    state: Mapped[str] = mapped_column(String(20))
    answer: Mapped[dict | None] = mapped_column(JSON)
    cost_rho_micro: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    requested_by: Mapped[str] = mapped_column(String(64))
    reserved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# --- credit profiles (DESIGN §8) -------------------------------------------------------------


class CreditConsent(Base):
    """An enterprise's authorisation (授权) of one bank, signed once it is authorised.

    ``queries_used`` only grows, by a conditional update that is also the access check: a query
    is served only if that update finds the consent authorised, unexpired and under its cap.
    """

    __tablename__ = "credit_consents"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    enterprise_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    bank_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    level: Mapped[str] = mapped_column(String(20))
    level_rank: Mapped[int] = mapped_column(Integer)
    window_months: Mapped[int] = mapped_column(Integer)
    validity_days: Mapped[int] = mapped_column(Integer)
    query_cap: Mapped[int] = mapped_column(Integer)
    queries_used: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(30))
    requested_by: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_payload: Mapped[str | None] = mapped_column(Text)
    signature: Mapped[str | None] = mapped_column(String(200))
    key_id: Mapped[str | None] = mapped_column(String(40))


class CreditProfileFeatures(Base):
    """One enterprise's derived indicators (bands, trends, rates, flags): never monthly values."""

    __tablename__ = "credit_profile_features"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    features: Mapped[dict] = mapped_column(JSON)
    data_as_of: Mapped[str] = mapped_column(String(10))
    refreshed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CreditQuery(Base):
    """One bank call for a profile, served or denied, with the hashes the audit entry holds."""

    __tablename__ = "credit_queries"
    __table_args__ = (
        Index("ix_credit_queries_bank_at", "bank_org_id", "at"),
        Index("ix_credit_queries_bank_operator_at", "bank_org_id", "operator", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    bank_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    operator: Mapped[str] = mapped_column(String(64), index=True)
    caller: Mapped[str] = mapped_column(String(64))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    consent_id: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    served: Mapped[bool] = mapped_column(Boolean)
    request_hash: Mapped[str] = mapped_column(String(64))
    response_hash: Mapped[str] = mapped_column(String(64))


class CreditDispute(Base):
    """An enterprise's objection to one item of its profile, flagged in every output at once."""

    __tablename__ = "credit_disputes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    item: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CreditRepairRequest(Base):
    """A request to repair the credit record of a penalty whose publicity period is over."""

    __tablename__ = "credit_repair_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    penalty_reference: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reasons: Mapped[str] = mapped_column(Text, default="", server_default="")


class CreditLoanOutcome(Base):
    """A loan result a bank reported back, used to validate the scorecard."""

    __tablename__ = "credit_loan_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    consent_id: Mapped[str] = mapped_column(String(40))
    loan_reference: Mapped[str] = mapped_column(String(80))
    disbursed_on: Mapped[str] = mapped_column(String(10))
    defaulted: Mapped[bool] = mapped_column(Boolean)
    reported_by: Mapped[str] = mapped_column(String(64))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CreditScorecard(Base):
    """A trained, versioned scorecard (bins, points, validation); one is active at a time."""

    __tablename__ = "credit_scorecards"

    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    model: Mapped[dict] = mapped_column(JSON)
    validation: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean)
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    model_card: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class CreditScorecardCheck(Base):
    """One stability check of the active scorecard: PSI of the score and of each input on the
    current population against the development sample, and whether it raised an alarm."""

    __tablename__ = "credit_scorecard_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    version: Mapped[str] = mapped_column(ForeignKey("credit_scorecards.version"))
    population: Mapped[int] = mapped_column(Integer)
    psi: Mapped[dict] = mapped_column(JSON)
    alarm: Mapped[bool] = mapped_column(Boolean)


class CreditSourceMappingRevision(Base):
    """A steward's edit of the credit source mapping (``lab.credit.mapping``), newest wins."""

    __tablename__ = "credit_source_mappings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mapping_version: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CreditAlarm(Base):
    """A raised alarm about a bank's or operator's query pattern (denials, breadth)."""

    __tablename__ = "credit_alarms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    bank_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    operator: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON)


# --- Open-data portal: live usage figures and the search index
# (opendata.portal.usage, opendata.portal.search)


class PortalUsage(Base):
    """A live counter of one dataset's views or downloads in one format (``format`` "" for views).

    Incremented by a single ``UPDATE … SET count = count + 1`` (inserted on first use), so
    concurrent visitors never lose a count.
    """

    __tablename__ = "portal_usage"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    event: Mapped[str] = mapped_column(String(16), primary_key=True)
    format: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortalSearchDocument(Base):
    """The normalised text the portal searches for one dataset, refreshed when the dataset changes.

    It holds text only: who may see a dataset is decided from ``datasets`` and
    ``dataset_versions`` at query time, never from this copy.
    """

    __tablename__ = "portal_search_documents"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    version_id: Mapped[int | None] = mapped_column(Integer)
    source_updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title_text: Mapped[str] = mapped_column(Text)
    keyword_text: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)


class PortalSearchTag(Base):
    """One tag of one dataset, so that tag filters and facets are plain indexed SQL."""

    __tablename__ = "portal_search_tags"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


# --- Open-data portal: conditional-data applications, traceable extract downloads, feedback ---


class ExtractApplication(Base):
    """An applicant's request for a T2 dataset's de-identified extract (有条件开放数据申请表).

    ``due_at`` is the end of the 5-working-day answer clock started by ``submitted_at``;
    ``access_until`` bounds the downloads an approval allows.
    """

    __tablename__ = "extract_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    form: Mapped[dict] = mapped_column(JSON)
    pledge: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reasons: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    access_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    usage_report: Mapped[dict | None] = mapped_column(JSON)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ExtractDownload(Base):
    """One fingerprinted copy of a T2 extract handed to one approved applicant."""

    __tablename__ = "extract_downloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("extract_applications.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id"))
    recipient: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortalFeedback(Base):
    """A suggestion (意见建议) or data correction (数据纠错), answered within 5 working days."""

    __tablename__ = "portal_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    dataset_slug: Mapped[str | None] = mapped_column(String(120), index=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lookup_sha256: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of the lookup code its writer was given (the code itself is kept nowhere)."""
