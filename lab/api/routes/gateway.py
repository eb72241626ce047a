"""``/api/gateway/…``: the DP gateway for sandbox kernels — datasets, mock rows, cost, query.

Only tokens minted for a sandbox session reach it: kind ``sandbox`` with a ``project:<id>``
scope, for a member of that project's organisation. Answers carry values, intervals and the
cost — never timings; errors after a charge are generic.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from lab.api.schemas.gateway import (
    AnswerOut,
    BudgetOut,
    BudgetsOut,
    ColumnOut,
    CostIn,
    CostOut,
    DatasetOut,
    DatasetsOut,
    HistoryOut,
    LevelOut,
    MockOut,
    QueryIn,
)
from lab.db import row_of
from lab.db.models import SandboxProject
from lab.errors import PermissionDenied
from lab.gateway import fixed_point
from lab.gateway.accounting import PICO
from lab.gateway.catalogue import (
    ProjectDataset,
    approved_project,
    history,
    project_dataset,
    project_datasets,
)
from lab.gateway.ledger import BudgetLevels, BudgetState
from lab.gateway.mock import mock_rows
from lab.gateway.service import DpGateway
from lab.gateway.zcdp import Accounting
from lab.http.deps import PrincipalDep, ServicesDep
from lab.identity import Principal, TokenKind

router = APIRouter(prefix="/api/gateway", tags=["gateway"])


def sandbox_project(principal: PrincipalDep, services: ServicesDep) -> int:
    """The project a sandbox token was minted for; 403 for any other credential."""
    projects = [s.split(":", 1)[1] for s in principal.scopes if s.startswith("project:")]
    if principal.token_kind is not TokenKind.SANDBOX or len(projects) != 1:
        raise PermissionDenied("restricted data is served only to sandbox session tokens")
    if not projects[0].isdigit():
        raise PermissionDenied("this token names no sandbox project")
    with services.sessions() as session:
        approved_project(session, int(projects[0]), principal.organisation_id)
    return int(projects[0])


ProjectDep = Annotated[int, Depends(sandbox_project)]


async def gateway(request: Request) -> DpGateway:
    """The app's one gateway (it holds the cache of open tables); no I/O, so no thread hop."""
    return request.app.state.gateway


def _as_list(bounds: tuple[int | float, int | float] | None) -> list[int | float] | None:
    """Declared bounds as the JSON pair the API shows (``None`` when undeclared)."""
    return list(bounds) if bounds is not None else None


def _dataset_out(item: ProjectDataset) -> DatasetOut:
    meta = item.metadata
    columns = [
        ColumnOut(
            name=name,
            kind=kind.value,
            bounds=_as_list(fixed_point.declared_bounds(meta, name)),
            precision=fixed_point.precision(meta, name),
            domain=list(meta.public_domains[name]) if name in meta.public_domains else None,
            domain_spec=meta.generated_domains[name].spec
            if name in meta.generated_domains
            else None,
        )
        for name, kind in meta.columns.items()
    ]
    return DatasetOut(
        name=item.dataset.slug,
        title=item.dataset.title,
        tier="T3+",
        version=item.version_number,
        privacy_unit=meta.privacy_unit,
        max_rows_per_unit=meta.max_rows_per_unit,
        columns=columns,
        unique_per_unit=sorted(meta.unique_per_unit),
    )


@router.get("/datasets")
def list_datasets(project: ProjectDep, services: ServicesDep) -> DatasetsOut:
    """The restricted datasets this project holds a budget on, with their schemas."""
    with services.sessions() as session:
        return DatasetsOut(datasets=[_dataset_out(i) for i in project_datasets(session, project)])


@router.get("/datasets/{name}")
def dataset_schema(name: str, project: ProjectDep, services: ServicesDep) -> DatasetOut:
    """One dataset's schema: columns, kinds, bounds, public domains, privacy unit."""
    with services.sessions() as session:
        return _dataset_out(project_dataset(session, project, name))


@router.get("/datasets/{name}/mock")
def dataset_mock(
    name: str,
    project: ProjectDep,
    services: ServicesDep,
    n: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> MockOut:
    """Fake rows generated from metadata alone (no real values), free of charge."""
    with services.sessions() as session:
        meta = project_dataset(session, project, name).metadata
    return MockOut(columns=list(meta.columns), rows=mock_rows(meta, n))


@router.post("/cost")
def query_cost(
    body: CostIn,
    project: ProjectDep,
    services: ServicesDep,
    gw: Annotated[DpGateway, Depends(gateway)],
) -> CostOut:
    """What the query would cost and each aggregate's 95% half-width, or the least ε (ρ) that
    reaches ``target_half_width``; plans against metadata only, charges nothing."""
    slug = body.dataset.replace("_", "-")
    with services.sessions() as session:
        budget = project_dataset(session, project, body.dataset).budget
        for read in gw.read_slugs(slug, body.sql):  # a join: a budget on each dataset it reads
            project_dataset(session, project, read)
        accounting = Accounting(row_of(session, SandboxProject, project).accounting)
    estimate = gw.estimate_cost(
        slug=slug,
        sql=body.sql,
        epsilon=body.epsilon,
        delta=body.delta,
        rho=body.rho,
        accounting=accounting,
        project_delta=budget.delta_limit_pico / PICO,
        target=body.target(),
    )
    return CostOut(**estimate.to_json())


@router.post("/query")
def run_query(
    body: QueryIn,
    project: ProjectDep,
    principal: PrincipalDep,
    gw: Annotated[DpGateway, Depends(gateway)],
) -> AnswerOut:
    """Run a DP query, charging its ε (and δ, for partition selection) to the project's budget."""
    answer = gw.query(
        project_id=project,
        slug=body.dataset.replace("_", "-"),
        sql=body.sql,
        epsilon=body.epsilon,
        delta=body.delta,
        rho=body.rho,
        actor=_actor(principal),
    )
    return AnswerOut(**answer.to_json())


@router.get("/budget")
def budgets(
    project: ProjectDep, services: ServicesDep, gw: Annotated[DpGateway, Depends(gateway)]
) -> BudgetsOut:
    """Per dataset: this project's ε and δ, the organisation's on the dataset and on its
    privacy unit (limit, spent, remaining each), and what the tightest level leaves."""
    with services.sessions() as session:
        items = project_datasets(session, project)
        slugs = [i.dataset.slug for i in items]
        targets = [gw.targets.target(session, slug=slug, project_id=project) for slug in slugs]
    return BudgetsOut(
        budgets=[
            _budget_out(slug, target.unit, gw.ledger.levels(target.budgets)).with_rho(
                target.accounting, item.budget
            )
            for slug, target, item in zip(slugs, targets, items, strict=True)
        ]
    )


@router.get("/history")
def query_history(project: ProjectDep, services: ServicesDep) -> HistoryOut:
    """This project's queries, newest first: text, ε charged, state."""
    with services.sessions() as session:
        return HistoryOut.model_validate({"queries": history(session, project)})


def _budget_out(slug: str, unit: str, levels: BudgetLevels) -> BudgetOut:
    project = levels.project
    return BudgetOut(
        dataset=slug,
        limit=project.limit,
        spent=project.spent,
        remaining=project.remaining,
        delta_limit=project.delta_limit,
        delta_spent=project.delta_spent,
        delta_remaining=project.delta_remaining,
        left=levels.remaining,
        delta_left=levels.delta_remaining,
        levels=[
            _level_out("project", f"dataset:{slug}", levels.project),
            _level_out("organisation_dataset", f"dataset:{slug}", levels.dataset),
            _level_out("organisation_unit", f"unit:{unit}", levels.unit),
        ],
    )


def _level_out(level: str, scope: str, state: BudgetState) -> LevelOut:
    return LevelOut(
        level=level,
        scope=scope,
        limit=state.limit,
        spent=state.spent,
        remaining=state.remaining,
        delta_limit=state.delta_limit,
        delta_spent=state.delta_spent,
        delta_remaining=state.delta_remaining,
    )


def _actor(principal: Principal) -> str:
    return principal.username
