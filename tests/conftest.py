"""Shared test set-up: each real backing service lives in its own fixture module."""

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.databases",
    "tests.fixtures.s3",
]
