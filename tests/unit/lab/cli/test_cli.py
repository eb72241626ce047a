"""The datalab command: one-line errors, accounts, tokens and audit verification end to end."""

from __future__ import annotations

import json
import socket
import sqlite3

import pytest

from tests.unit.lab.cli.shell import datalab


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_invalid_setting_is_one_clear_line(tmp_path) -> None:
    """A malformed setting stops the command with one line naming it, no traceback."""
    result = datalab(tmp_path, "init", DATALAB_PORT="eighty")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "DATALAB_PORT" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"DATALAB_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:{port}/none"},
        {
            "DATALAB_STORAGE_BACKEND": "s3",
            "DATALAB_S3_ENDPOINT": "127.0.0.1:{port}",
            "DATALAB_S3_ACCESS_KEY": "k",
            "DATALAB_S3_SECRET_KEY": "topsecret-value",
        },
    ],
)
def test_unreachable_service_is_one_clear_line(tmp_path, env) -> None:
    """An unreachable database or S3 endpoint gives one line naming it, never a traceback."""
    port = _closed_port()
    result = datalab(tmp_path, "init", **{k: v.format(port=port) for k, v in env.items()})
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "unreachable" in result.stderr.lower()
    assert "Traceback" not in result.stderr and "topsecret-value" not in result.stderr


def test_user_token_and_audit_verify(tmp_path) -> None:
    """Users and tokens are created from the shell, and audit verify finds a later edit."""
    assert datalab(tmp_path, "init").returncode == 0
    made = datalab(
        tmp_path,
        "user",
        "create",
        "steward1",
        "--role",
        "steward",
        "--password-stdin",
        "--print-token",
        stdin="a long password 123\n",
    )
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("cdl_")
    listed = datalab(tmp_path, "user", "list")
    assert "steward1\tsteward" in listed.stdout
    verified = datalab(tmp_path, "audit", "verify")
    assert verified.returncode == 0 and "audit chain ok: 2 entries" in verified.stdout
    with sqlite3.connect(tmp_path / "lab.db") as db:
        db.execute("UPDATE audit_entries SET actor = 'someone-else' WHERE seq = 1")
    broken = datalab(tmp_path, "audit", "verify")
    assert broken.returncode == 1 and "BROKEN at entry 1" in broken.stdout


def test_unknown_role_is_refused(tmp_path) -> None:
    """An unknown role is refused with the list of valid ones."""
    result = datalab(tmp_path, "user", "create", "x1", "--role", "wizard")
    assert result.returncode == 2 and "steward" in result.stderr


def test_classify_json_shape_is_stable(tmp_path) -> None:
    """`datalab classify --json` prints the documented keys and stores nothing."""
    from tests.unit.lab.ingest.tables import person_table

    result = datalab(tmp_path / "home", "classify", "--json", str(person_table(tmp_path)))
    assert result.returncode == 0, result.stderr
    shape = json.loads(result.stdout)
    assert shape["tier"] == "T4" and {"tier", "guide_version", "reasons", "columns"} <= set(shape)
    for column in shape["columns"]:
        assert {"name", "category", "level", "reasons"} <= set(column)
        assert column["level"] in {"T1", "T2", "T3", "T4", "T5"}
    assert not any((tmp_path / "home" / "staging").iterdir())


def test_ingest_bad_file_is_one_line(tmp_path) -> None:
    """Ingesting a ragged CSV fails with one line naming the line, nothing recorded."""
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n4,5\n", encoding="utf-8")
    result = datalab(
        tmp_path / "home", "ingest", str(bad), "--title", "坏文件", "--department", "市大数据局"
    )
    assert result.returncode == 2 and "line 3 has 2 fields" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_ingest_with_a_dictionary_sidecar(tmp_path) -> None:
    """--dictionary stores the sidecar with the version; one naming an absent column is one
    line and records nothing."""
    table = tmp_path / "stops.csv"
    table.write_text("站点名称,所属区\n站点1,市南区\n站点2,市北区\n", encoding="utf-8")
    good, bad = tmp_path / "good.json", tmp_path / "bad.csv"
    good.write_text(json.dumps({"所属区": "站点所在的区（市）"}), encoding="utf-8")
    bad.write_text("column,description\n车次,车次编号\n", encoding="utf-8")
    base = ("ingest", str(table), "--title", "公交站点", "--department", "市交通局")
    refused = datalab(tmp_path / "home", *base, "--slug", "stops", "--dictionary", str(bad))
    assert refused.returncode == 2 and "does not have: 车次" in refused.stderr
    assert refused.stderr.strip().count("\n") == 0
    stored = datalab(tmp_path / "home", *base, "--slug", "stops", "--dictionary", str(good))
    assert stored.returncode == 0, stored.stderr
    with sqlite3.connect(tmp_path / "home" / "lab.db") as db:
        rows = db.execute("SELECT number, dictionary FROM dataset_versions").fetchall()
    assert [(n, json.loads(d)[0]["description"]) for n, d in rows] == [(1, "站点所在的区（市）")]


def test_project_apply_approve_budget_from_the_shell(tmp_path) -> None:
    """apply → approve with DATASET=EPSILON → budget → list; bad --budget text is one line."""
    from lab.services import open_services
    from lab.settings import LabSettings
    from tests.unit.lab.gateway.restricted import publish_tax_table

    lab = open_services(LabSettings(home=tmp_path / "home"))
    try:
        publish_tax_table(lab, tmp_path)
    finally:
        lab.close()
    home = tmp_path / "home"
    assert datalab(home, "org", "create", "银行", "--kind", "bank").returncode == 0
    applied = datalab(
        home,
        *("project", "apply", "--org", "银行", "--title", "基准"),
        *("--purpose", "district benchmark", "--dataset", "tax"),
    )
    assert applied.returncode == 0, applied.stderr
    bad = datalab(home, "project", "approve", "1", "--budget", "tax:1")
    assert bad.returncode == 2 and "DATASET=EPSILON" in bad.stderr
    assert datalab(home, "project", "approve", "1", "--budget", "tax=1.5").returncode == 0
    assert datalab(home, "project", "budget", "1", "tax", "--epsilon", "2").returncode == 0
    listed = datalab(home, "project", "list").stdout
    assert "approved" in listed and "ε 0/2" in listed and "δ 0/1e-06" in listed
    again = datalab(
        home,
        *("project", "apply", "--org", "银行", "--title", "基准二"),
        *("--purpose", "district benchmark", "--dataset", "tax"),
    )
    assert again.returncode == 0, again.stderr
    zcdp = ("project", "approve", "2", "--budget", "tax=0.05", "--accounting", "zcdp")
    assert datalab(home, *zcdp).returncode == 0
    refused = datalab(home, "project", "budget", "2", "tax", "--epsilon", "2")
    assert refused.returncode == 2 and "in ρ" in refused.stderr
    assert datalab(home, "project", "budget", "2", "tax", "--rho", "0.1").returncode == 0
    assert "ρ 0/0.1" in datalab(home, "project", "list").stdout


def test_org_budget_caps_from_the_shell(tmp_path) -> None:
    """approve takes DATALAB_ORG_DATASET_EPSILON as the organisation's cap; org budget list
    shows it, set changes it (never below what is granted), a second project is held to it."""
    from lab.services import open_services
    from lab.settings import LabSettings
    from tests.unit.lab.gateway.restricted import publish_tax_table

    lab = open_services(LabSettings(home=tmp_path / "home"))
    try:
        publish_tax_table(lab, tmp_path)
    finally:
        lab.close()
    home, cap = tmp_path / "home", {"DATALAB_ORG_DATASET_EPSILON": "3"}
    assert datalab(home, "org", "create", "银行", "--kind", "bank").returncode == 0
    for title in ("基准一", "基准二"):
        apply = ("project", "apply", "--org", "银行", "--title", title, "--dataset", "tax")
        assert datalab(home, *apply, "--purpose", "district benchmark").returncode == 0
    assert datalab(home, "project", "approve", "1", "--budget", "tax=2", **cap).returncode == 0
    refused = datalab(home, "project", "approve", "2", "--budget", "tax=2", **cap)
    assert refused.returncode != 0 and "1 ε" in refused.stderr and "left" in refused.stderr
    listed = datalab(home, "org", "budget", "list", "银行").stdout
    assert "dataset:tax\tε granted 2 spent 0 cap 3" in listed
    assert "unit:category:ENTERPRISE_ID" in listed
    lowered = datalab(home, "org", "budget", "set", "银行", "dataset:tax", "--epsilon", "1")
    assert lowered.returncode != 0 and "already granted" in lowered.stderr
    raised = datalab(home, "org", "budget", "set", "银行", "dataset:tax", "--epsilon", "4")
    assert raised.returncode == 0, raised.stderr
    assert datalab(home, "project", "approve", "2", "--budget", "tax=2").returncode == 0
