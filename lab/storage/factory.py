"""Open the object store the settings choose: the local directory or S3."""

from __future__ import annotations

from lab.settings import LabSettings
from lab.storage.base import ObjectStore
from lab.storage.local import LocalObjectStore
from lab.storage.s3 import S3ObjectStore
from lab.storage.signing import ObjectUrlSigner


def open_object_store(
    settings: LabSettings, *, url_signer: ObjectUrlSigner | None = None
) -> ObjectStore:
    """The configured store; ``url_signer`` makes the local store's presigned URLs.

    S3 signs its own URLs with its credentials; the local store without a signer refuses
    ``presigned_get`` with a ConfigurationError.
    """
    if settings.storage_backend == "s3":
        return S3ObjectStore.from_settings(settings)
    return LocalObjectStore(settings.resolved_storage_dir, url_signer=url_signer)
