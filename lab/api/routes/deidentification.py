"""``/api/steward/…`` de-identification: search a T2 version's lattice, choose a node, and read or
revise the generalisation hierarchies. Steward role only; every change is audited."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from lab.api.routes.steward import StewardDep, steward_actor
from lab.api.schemas.deidentification import ChoiceIn, HierarchiesIn, HierarchiesOut, LimitsIn
from lab.catalogue.t2_extracts.deidentification import choose, propose
from lab.catalogue.versions.hierarchy_store import current_hierarchies, save_hierarchies
from lab.db import transaction
from lab.http.deps import DbDep, ServicesDep
from lab.http.params import IdPath

router = APIRouter(prefix="/api/steward", tags=["steward"], dependencies=[Depends(steward_actor)])


@router.post("/versions/{version_id}/deidentify")
def search_solutions(version_id: IdPath, body: LimitsIn, services: ServicesDep) -> dict:
    """Every minimal generalisation meeting k, l and the suppression limit, best first."""
    return propose(services, version_id=version_id, limits=body.limits()).to_json()


@router.put("/versions/{version_id}/deidentification")
def choose_solution(
    version_id: IdPath, body: ChoiceIn, services: ServicesDep, actor: StewardDep
) -> dict:
    """Record the chosen levels with the version (audited); publishing then applies them."""
    return choose(
        services, version_id=version_id, levels=body.levels, limits=body.limits(), actor=actor
    )


@router.get("/guide/hierarchies")
def hierarchies(db: DbDep) -> HierarchiesOut:
    """The generalisation hierarchies in force (TOML)."""
    current = current_hierarchies(db)
    return HierarchiesOut(version=current.version, text=current.text)


@router.put("/guide/hierarchies")
def revise_hierarchies(
    body: HierarchiesIn, services: ServicesDep, actor: StewardDep
) -> HierarchiesOut:
    """Store an edited hierarchies file as the newest revision (validated, audited)."""
    with transaction(services.sessions) as session:
        saved = save_hierarchies(
            session, services.audit, text=body.text, actor=actor, note=body.note
        )
    return HierarchiesOut(version=saved.version, text=saved.text)
