"""``/.well-known/jwks.json``: every public key the lab signs manifests and receipts with."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from lab.http.deps import ServicesDep

router = APIRouter(tags=["signing"])


@router.get("/.well-known/jwks.json")
def signing_keys(services: ServicesDep) -> dict[str, Any]:
    """The lab's signing keys as a JWK set: active and retired, each with its kid and name."""
    return services.signing.current().to_jwks()
