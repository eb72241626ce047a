"""The example notebooks land in a new home once, owned by its user, never through a link."""

from __future__ import annotations

import os

import pytest

from sandbox.accounts import SandboxAccount
from sandbox.examples import FOLDER, NOTEBOOKS, place_examples

SANDBOX_UID = 54321


@pytest.fixture
def account(tmp_path) -> SandboxAccount:
    if os.geteuid() != 0:
        pytest.skip("handing files to another user needs root (the hub runs as root)")
    home = tmp_path / "home"
    home.mkdir()
    return SandboxAccount("cdl-test", SANDBOX_UID, SANDBOX_UID, home, tmp_path / "etc")


def test_a_new_home_gets_the_repository_notebooks_owned_by_its_user(account) -> None:
    """Every notebook of notebooks/ is copied byte for byte into 示例笔记本, owned by the user."""
    placed = place_examples(account)
    expected = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert placed == expected and len(expected) >= 3
    folder = account.home / FOLDER
    assert folder.stat().st_uid == SANDBOX_UID
    for name in expected:
        copy = folder / name
        assert copy.read_bytes() == (NOTEBOOKS / name).read_bytes()
        assert (copy.stat().st_uid, copy.stat().st_mode & 0o777) == (SANDBOX_UID, 0o600)


def test_existing_folder_is_left_as_the_user_left_it(account) -> None:
    """A second start copies nothing: the user's edits and deletions stay."""
    place_examples(account)
    first = sorted((account.home / FOLDER).iterdir())[0]
    first.write_text("mine")
    (account.home / FOLDER / sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))[-1]).unlink()
    assert place_examples(account) == []
    assert first.read_text() == "mine"


def test_a_planted_link_is_never_written_through(account, tmp_path) -> None:
    """A user who points 示例笔记本 at a root-owned folder gets nothing written there."""
    target = tmp_path / "root-owned"
    target.mkdir()
    (account.home / FOLDER).symlink_to(target)
    assert place_examples(account) == []
    assert list(target.iterdir()) == []


def test_no_notebooks_no_folder(account, tmp_path) -> None:
    """An install without notebooks/ (a wheel) leaves the home alone."""
    assert place_examples(account, tmp_path / "absent") == []
    assert not (account.home / FOLDER).exists()
