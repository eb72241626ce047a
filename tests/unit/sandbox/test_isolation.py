"""The isolation check names every missing piece, and the hub's banner says so."""

from __future__ import annotations

import shutil

from sandbox import isolation
from sandbox.isolation import IsolationReport, check_isolation


def test_not_root_and_missing_tools_are_reported(monkeypatch, tmp_path) -> None:
    """Without root, bwrap and nft, the report lists each reason and is not ok."""
    monkeypatch.setattr(isolation.os, "geteuid", lambda: 1000)
    real_which = shutil.which
    monkeypatch.setattr(
        isolation.shutil, "which", lambda t: None if t in ("bwrap", "nft") else real_which(t)
    )
    report = check_isolation(tmp_path)
    assert not report.ok
    assert "the hub is not running as root" in report.problems
    assert "missing programs: bwrap, nft" in report.problems
    assert any("kernel environment is not built" in p for p in report.problems)


def test_banner_says_no_restricted_data_and_why() -> None:
    """The page banner names the refusal and every reason; an able host shows none."""
    report = IsolationReport(("the hub is not running as root", "missing programs: bwrap"))
    assert "serves no restricted data" in report.banner()
    assert "not running as root; missing programs: bwrap" in report.banner()
    assert IsolationReport(()).banner() == ""
