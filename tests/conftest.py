"""Shared test set-up: each real backing service lives in its own fixture module."""

import pytest

from lab.db.discipline import nested_requests

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.databases",
    "tests.fixtures.s3",
    "tests.fixtures.spark",
]


@pytest.fixture(autouse=True)
def one_pooled_connection_per_request():
    """Fail any test during which a request took a second pooled connection while holding one."""
    before = len(nested_requests())
    yield
    nested = nested_requests()[before:]
    assert not nested, f"requests held two pooled connections at once: {sorted(set(nested))}"
