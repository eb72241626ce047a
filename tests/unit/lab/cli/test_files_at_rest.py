"""Files at rest, attacked as a local user or a disk thief would: modes, canaries, demo files.

Every test drives the real ``datalab`` command in a subprocess started with the permissive umask
022 (what a login shell has), then reads what it left behind: file modes, the bytes of every file
under the home, and the steward's review page.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from fastapi.testclient import TestClient

from lab.app import create_app
from lab.services import open_services
from lab.settings import LabSettings
from tests.unit.lab.cli.shell import datalab
from tests.unit.lab.ingest.tables import open_table, person_table, write_csv

PASSWORD = "steward password 1"
CANARY_TEXT = "金丝雀备注QX7"
CANARY_NAME = "金丝雀乙"
CANARY_NUMBER = "7777771.25"
CANARY_STOP = "金丝雀站ZK9"


def open_to_others(home: Path) -> list[str]:
    """Every path under ``home`` (and ``home`` itself) with a group or other permission bit."""
    paths = [home, *home.rglob("*")]
    return [f"{p} {stat.filemode(p.lstat().st_mode)}" for p in paths if p.lstat().st_mode & 0o077]


def canary_forms(canary: str) -> list[bytes]:
    """The canary as UTF-8 and as JSON writes it with ASCII escapes (how a JSON column keeps it)."""
    return [canary.encode(), json.dumps(canary).strip('"').encode()]


def files_holding(home: Path, canaries: list[str]) -> list[str]:
    found = []
    for path in (p for p in home.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [f"{path}: {c}" for c in canaries for f in canary_forms(c) if f in data]
    return found


def restricted_table(folder: Path, rows: int = 40) -> Path:
    """A T4 person table whose T1 columns (remarks, area) and T3 name column carry canaries."""
    people = person_table(folder, rows).read_text(encoding="utf-8").splitlines()
    header = [*people[0].split(","), "备注", "面积"]
    body = []
    for i, line in enumerate(people[1:]):
        name, id_number, phone = line.split(",")
        remark = CANARY_TEXT if i % 3 == 0 else f"普通{i % 2}"
        area = CANARY_NUMBER if i == 7 else f"{60 + i}.5"
        body.append([CANARY_NAME if i < 5 else name, id_number, phone, remark, area])
    return write_csv(folder / "restricted.csv", header, body)


def raised_table(folder: Path) -> Path:
    """A T1 table whose most common stop name is a canary; the steward will raise it to T3."""
    table = open_table(folder, rows=30, name="raised.csv")
    lines = table.read_text(encoding="utf-8").splitlines()
    for i in range(1, 8):
        cells = lines[i].split(",")
        lines[i] = ",".join([cells[0], CANARY_STOP, *cells[2:]])
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return table


def test_init_makes_every_path_private(tmp_path) -> None:
    """`datalab init` under umask 022 leaves the home 0700 and lab.db, keys, logs 0600."""
    home = tmp_path / "new" / "home"
    made = datalab(home, "init")
    assert made.returncode == 0, made.stderr
    assert (home / "lab.db").exists() and (home / "logs" / "lab.log").exists()
    assert open_to_others(home) == []


def test_start_refuses_a_home_open_to_others(tmp_path) -> None:
    """A home or database others can read stops every command with one line naming the fix."""
    home = tmp_path / "home"
    assert datalab(home, "init").returncode == 0
    for path, mode in ((home, 0o755), (home / "lab.db", 0o644), (home / "secrets", 0o750)):
        original = path.stat().st_mode
        path.chmod(mode)
        refused = datalab(home, "audit", "verify")
        path.chmod(stat.S_IMODE(original))
        assert refused.returncode == 2, (path, refused.stdout)
        assert refused.stderr.strip().count("\n") == 0 and "Traceback" not in refused.stderr
        assert str(path) in refused.stderr and f"chmod -R go-rwx {path}" in refused.stderr


def test_restricted_values_never_at_rest_nor_on_the_review_page(tmp_path) -> None:
    """Canaries in a T4 dataset, and in a T1 dataset raised to T3, are in no file under the home
    (database bytes, logs, objects, staging) and not on the steward's review pages."""
    home = tmp_path / "home"
    assert datalab(home, "init").returncode == 0
    made = datalab(home, "user", "create", "steward", "--role", "steward", "--password-stdin",
                   stdin=f"{PASSWORD}\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    for slug, table in (("people", restricted_table(tmp_path)), ("raised", raised_table(tmp_path))):
        ingested = datalab(home, "ingest", str(table), "--title", slug, "--department", "市民政局",
                           "--slug", slug)  # fmt: skip
        assert ingested.returncode == 0, ingested.stderr
    assert "T4" in datalab(home, "dataset", "list").stdout
    raised = datalab(home, "dataset", "decide", "2", "--tier", "T3")
    assert raised.returncode == 0, raised.stderr
    canaries = [CANARY_TEXT, CANARY_NAME, CANARY_NUMBER, CANARY_STOP]
    assert files_holding(home, canaries) == []
    assert open_to_others(home) == []
    lab = open_services(LabSettings(home=home))
    try:
        with TestClient(create_app(lab)) as client:
            form = {"username": "steward", "password": PASSWORD}
            assert client.post("/steward/login", data=form, follow_redirects=False).is_redirect
            pages = [client.get(f"/steward/versions/{v}") for v in (1, 2)]
            apis = [client.get(f"/api/steward/versions/{v}") for v in (1, 2)]
    finally:
        lab.close()
    assert all("数据概况" in page.text for page in pages)
    for answer in (*pages, *apis):
        assert answer.status_code == 200, answer.url
        shown = [c for c in canaries for f in canary_forms(c) if f.decode() in answer.text]
        assert shown == [], answer.url


def test_demo_leaves_no_generated_source_files(tmp_path) -> None:
    """After `datalab demo --prepare-only` no generated table (T4/T5 CSVs included) is left in
    demo-data/, what stays is private, and a second run reuses the catalogue without them."""
    home = tmp_path / "home"
    first = datalab(home, "demo", "--prepare-only", "--scale", "100")
    assert first.returncode == 0, first.stderr
    left = sorted(p.name for p in (home / "demo-data").iterdir())
    assert left == ["generated.json", "manifest.json"]
    assert open_to_others(home) == []
    again = datalab(home, "demo", "--prepare-only", "--scale", "100")
    assert again.returncode == 0, again.stderr
    manifest = json.loads((home / "demo-data" / "manifest.json").read_text(encoding="utf-8"))
    assert again.stdout.count("already loaded") == len(manifest["datasets"]) >= 54
