"""Object storage: one ``ObjectStore`` interface, a local-directory and an S3 backend.

Public: ``ObjectStore``, ``ObjectInfo``, ``PublishedVersion``, ``Publication``,
``LocalObjectStore``, ``S3ObjectStore``, ``ObjectUrlSigner``, ``open_object_store``.

Modules:

* ``base`` — the interface, its value objects, key and byte-range validation, publication
  (a set of objects made visible at once through a ``_CURRENT`` pointer).
* ``local`` — the default backend: files under a directory, atomic rename, md5 etags.
* ``s3`` — the production backend through the minio SDK; ``ensure_bucket`` for set-up.
* ``signing`` — signed, expiring URLs of local objects, checked by ``GET /objects/{key}``.
* ``factory`` — ``open_object_store(settings)`` picks the backend.
"""

from lab.storage.base import ObjectInfo, ObjectStore, Publication, PublishedVersion
from lab.storage.factory import open_object_store
from lab.storage.local import LocalObjectStore
from lab.storage.s3 import S3ObjectStore
from lab.storage.signing import ObjectUrlSigner

__all__ = [
    "LocalObjectStore",
    "ObjectInfo",
    "ObjectStore",
    "ObjectUrlSigner",
    "Publication",
    "PublishedVersion",
    "S3ObjectStore",
    "open_object_store",
]
