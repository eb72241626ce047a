"""The steward's de-identification forms on the review page of a version decided T2.

``/steward/versions/{id}/deidentify`` searches with the limits typed and re-renders the review
page with the top solutions side by side; ``…/deidentification`` records the solution picked
(its levels come back by quasi-identifier position) and returns to the page, ready to publish.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from classification.errors import ClassificationError
from classification.lattice import Limits
from lab.catalogue.t2_extracts.deidentification import choose, propose, quasi_identifier_columns
from lab.errors import InvalidInput, LabError
from lab.http.deps import DbDep, ServicesDep
from lab.http.params import IdPath, SubmittedFormDep
from lab.web.pages import StewardFormDep, redirect

router = APIRouter()


def _field(form: FormData, name: str, default: str) -> str:
    value = form.get(name, default)
    return value.strip() if isinstance(value, str) and value.strip() else default


def form_limits(form: FormData) -> Limits:
    """k, l and the suppression limit (typed as a percentage) from the form."""
    try:
        return Limits(
            int(_field(form, "k", "10")),
            int(_field(form, "l", "2")),
            float(_field(form, "max_suppression_percent", "5")) / 100,
        )
    except ValueError:
        raise InvalidInput(
            "k and l are whole numbers; the suppression limit is a percentage"
        ) from None
    except ClassificationError as exc:
        raise InvalidInput(str(exc)) from None


@router.post("/versions/{version_id}/deidentify", response_class=HTMLResponse)
def search_page(
    request: Request,
    version_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    form: SubmittedFormDep,
) -> Response:
    """Search with the typed limits; show the top solutions with their previews."""
    from lab.web.steward import review_page  # steward includes this router: import at call

    try:
        limits = form_limits(form)
        proposal = propose(services, version_id=version_id, limits=limits).to_json()
    except LabError as exc:
        return review_page(request, db, steward, version_id, failure=exc)
    return review_page(request, db, steward, version_id, proposal=proposal, limits=limits)


@router.post("/versions/{version_id}/deidentification", response_class=HTMLResponse)
def choice(
    request: Request,
    version_id: IdPath,
    services: ServicesDep,
    db: DbDep,
    steward: StewardFormDep,
    form: SubmittedFormDep,
) -> Response:
    """Record the picked solution (audited) and return to the page."""
    from lab.web.steward import review_page  # steward includes this router: import at call

    try:
        limits = form_limits(form)
        columns = quasi_identifier_columns(services, version_id=version_id)
        levels = {c: int(_field(form, f"level_{i}", "-1")) for i, c in enumerate(columns)}
        choose(
            services, version_id=version_id, levels=levels, limits=limits, actor=steward.username
        )
    except ValueError:
        failure = InvalidInput("each level is a whole number; search again and pick a solution")
        return review_page(request, db, steward, version_id, failure=failure)
    except LabError as exc:
        return review_page(request, db, steward, version_id, failure=exc)
    return redirect(f"/steward/versions/{version_id}", "deidentified")
