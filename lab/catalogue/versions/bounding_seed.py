"""The secret seed that chooses which rows an over-limit privacy unit keeps (DESIGN §4).

One seed per dataset: 32 random bytes from ``secrets``, drawn at the dataset's first restricted
publication and reused by every later version. It never depends on data (not on the file, its
hash, or any unit), so the rows a unit keeps are a keyed function of that unit's own rows alone,
and removing another unit from the file changes nothing about them.

The seed is stored as a sealed object beside the dataset's restricted publications
(``restricted/<slug>/bounding-seed``): envelope-encrypted under its own data key wrapped by the
lab's key-encryption keys, so ``datalab keys rotate`` re-wraps it with everything else. It is
never shown: not in the API, the audit log, the version's bounding record, logs or errors.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from lab.crypto import SealedObjectStore
from lab.db.models import Dataset
from lab.errors import IntegrityError, NotFound

SEED_OBJECT = "bounding-seed"
SEED_BYTES = 32


@dataclass(frozen=True)
class BoundingSeed:
    """A dataset's bounding seed; its repr hides the secret."""

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != SEED_BYTES:
            raise IntegrityError("a stored bounding seed has the wrong length")

    @property
    def hex(self) -> str:
        """The seed as the text key the bounding hash is keyed with."""
        return self.secret.hex()


def seed_key(prefix: str) -> str:
    """Where the seed of the dataset whose restricted objects live under ``prefix`` is sealed."""
    return f"{prefix}/{SEED_OBJECT}"


def dataset_seed(
    session: Session, sealed: SealedObjectStore, *, dataset_id: int, prefix: str
) -> BoundingSeed:
    """The dataset's bounding seed, drawn and sealed if this is its first publication.

    Run inside a transaction: the dataset row is locked while the seed is read or created, so
    two publications of one dataset cannot draw two seeds.
    """
    session.get(Dataset, dataset_id, with_for_update=True)
    key = seed_key(prefix)
    try:
        return BoundingSeed(b"".join(sealed.get(key)))
    except NotFound:
        secret = secrets.token_bytes(SEED_BYTES)
        sealed.put(key, [secret], length=SEED_BYTES)
        return BoundingSeed(secret)
