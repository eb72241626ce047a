"""Shared test set-up: each real backing service lives in its own fixture module.

Markers are applied here from what a test uses, so none can be forgotten: ``postgres`` on every
test that takes a PostgreSQL database (the PostgreSQL half of ``database_url`` is marked where it
is declared), ``s3`` on every test of the S3 server, ``slow`` on every system test (real servers,
browsers, sandboxes). ``pytest -m "not slow and not postgres"`` is the quick local loop;
``make test`` runs everything.
"""

from pathlib import Path

import pytest

from lab.db.discipline import nested_requests

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.databases",
    "tests.fixtures.s3",
    "tests.fixtures.spark",
    "tests.fixtures.spark_cluster",
    "tests.fixtures.spark_connect",
]


@pytest.fixture(autouse=True)
def one_pooled_connection_per_request():
    """Fail any test during which a request took a second pooled connection while holding one."""
    before = len(nested_requests())
    yield
    nested = nested_requests()[before:]
    assert not nested, f"requests held two pooled connections at once: {sorted(set(nested))}"


_MARKED_BY_FIXTURE = {"postgres_url": "postgres", "s3_server": "s3"}
_SYSTEM_TESTS = Path(__file__).parent / "system"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the services it takes and by where it lives (see the module docstring)."""
    for item in items:
        for fixture, marker in _MARKED_BY_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
        if _SYSTEM_TESTS in item.path.parents:
            item.add_marker("slow")
