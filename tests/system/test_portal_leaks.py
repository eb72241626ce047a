"""No restricted data reaches the public: a crawler walks every public page, API answer (search,
facets, rows, CKAN, DCAT, errors) and download of a portal that also holds T3/T4 datasets, a
rejected T5 file and an undecided draft, all seeded with canary values, and finds none of them.

Canaries sit in every place a leak could come from: titles, descriptions, department, topic and
tags (facets), column names and cell values. The crawler follows every link it sees, plus a list
of probes that ask for restricted things by slug, resource id and search words; it also opens
every download (XLSX and Parquet decoded) and every error answer.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import deque
from urllib.parse import quote, unquote, urljoin, urlparse

import httpx
import pyarrow.parquet as pq
import pytest

from classification import Tier
from lab.catalogue.versions.datasets import DatasetMeta
from lab.ingest.pipeline import ingest
from lab.services import LabServices
from tests.system.live_server import serving
from tests.system.portal_seed import seed_portal
from tests.unit.opendata.seed import publish_table, write_csv

CANARIES = ("金丝雀机密", "CANARYVALUE7731", "鸽哨部门", "隼字主题", "鹞标签")
RESTRICTED_SLUGS = ("tax-secret-canary", "persons-canary", "prohibited-canary", "draft-canary")
PROBE_WORDS = ("纳税", "居民", "草稿", "tax", "secret", "canary")
MAX_VISITS = 600


def _restricted_table(work, name: str) -> object:
    rows = [
        [f"91370200MA{i:08d}", f"CANARYVALUE7731-{i}", f"金丝雀机密{i}", str(1000 + i)]
        for i in range(60)
    ]
    header = ["统一社会信用代码", "金丝雀机密备注", "鸽哨部门字段", "应纳税额（元）"]
    return write_csv(work / f"{name}.csv", header, rows)


def _seed_restricted(lab: LabServices, work) -> None:
    meta = {
        "department": "鸽哨部门",
        "topic": "隼字主题",
        "tags": ("鹞标签", "纳税"),
        "description": "金丝雀机密：不得出现在门户的任何地方。",
    }
    publish_table(
        lab,
        _restricted_table(work, "tax"),
        RESTRICTED_SLUGS[0],
        title="纳税明细金丝雀机密",
        tier=Tier.T3,
        dp_unit="统一社会信用代码",
        **meta,
    )
    publish_table(
        lab,
        _restricted_table(work, "persons"),
        RESTRICTED_SLUGS[1],
        title="居民联系方式金丝雀机密",
        tier=Tier.T4,
        dp_unit="统一社会信用代码",
        **meta,
    )
    prohibited = write_csv(
        work / "accounts.csv",
        ["用户名", "登录密码", "金丝雀机密"],
        [
            [f"user{i}", f"pbkdf2_sha256$600000$salt{i}$CANARYVALUE7731{i:04d}", "x"]
            for i in range(30)
        ],
    )
    _ingest(lab, prohibited, "门禁账号金丝雀机密", RESTRICTED_SLUGS[2], meta, rejected=True)
    _ingest(lab, _restricted_table(work, "draft"), "草稿金丝雀机密", RESTRICTED_SLUGS[3], meta)


def _ingest(lab: LabServices, path, title: str, slug: str, meta: dict, rejected=False) -> None:
    """Ingest without publishing: a T5 file is rejected, anything else waits as a proposal."""
    with path.open("rb") as stream:
        outcome = ingest(
            lab, stream, path.name, DatasetMeta(title=title, slug=slug, **meta), actor="steward"
        )
    assert outcome.rejected == rejected


def _texts_of(response: httpx.Response) -> list[str]:
    """Every readable text of an answer: the body, decoded JSON, workbook XML, Parquet cells."""
    body = response.content
    texts = [body.decode("utf-8", errors="replace")]
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        texts.append(json.dumps(response.json(), ensure_ascii=False))
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            texts.extend(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    if body[:4] == b"PAR1":
        texts.append(str(pq.read_table(io.BytesIO(body)).to_pylist()))
    return texts


def _links(base: str, response: httpx.Response) -> set[str]:
    text = response.text if "text" in response.headers.get("content-type", "") else ""
    if "json" in response.headers.get("content-type", ""):
        text = json.dumps(response.json(), ensure_ascii=False)
    found = set(re.findall(r'(?:href|action)="([^"#]+)"', text))
    found |= set(re.findall(r'"(/(?:datasets|api|departments|catalogue)[^"\s]*)"', text))
    local = set()
    for link in found:
        absolute = urljoin(base + "/", link.replace("&amp;", "&"))
        if urlparse(absolute).netloc == urlparse(base).netloc:
            local.add(absolute)
    return {u for u in local if "/steward" not in u and "/logout" not in u}


def _probes(base: str) -> list[str]:
    actions = "/api/3/action/"
    probes = [
        "/",
        "/catalogue",
        "/departments",
        "/api-guide",
        "/feedback",
        "/catalog.jsonld",
        "/catalog.jsonld?profile=2.1.1",
        "/themes.jsonld",
        "/data.json",
        "/licences/conditional-use",
        "/api/datasets",
        "/api/datasets?limit=1000",
        f"{actions}status_show",
        f"{actions}package_list",
        f"{actions}organization_list",
        f"{actions}group_list",
        f"{actions}tag_list",
        f"{actions}tag_list?all_fields=true",
        f"{actions}organization_list?all_fields=true",
        f"{actions}group_list?all_fields=true",
        f"{actions}package_search?rows=1000&facet.field=%5B%22organization%22,%22tags%22,"
        "%22groups%22,%22res_format%22%5D",
    ]
    for word in PROBE_WORDS:
        probes += [
            f"/catalogue?q={quote(word)}",
            f"/api/datasets?q={quote(word)}",
            f"{actions}package_search?q={quote(word)}",
            f"/?q={quote(word)}",
        ]
    for slug in RESTRICTED_SLUGS:
        probes += [
            f"/datasets/{slug}",
            f"/api/datasets/{slug}",
            f"/api/datasets/{slug}/rows",
            f"/apply/{slug}",
            f"{actions}package_show?id={slug}",
            f"{actions}organization_show?id={slug}",
            *(f"/datasets/{slug}/download/{fmt}" for fmt in ("csv", "xlsx", "json", "parquet")),
            *(f"{actions}resource_show?id={slug}.{fmt}" for fmt in ("csv", "parquet", "extract")),
            *(f"{actions}datastore_search?resource_id={slug}.{fmt}" for fmt in ("csv", "parquet")),
        ]
    probes += [
        f"/departments/{quote('鸽哨部门')}",
        f"/catalogue?department={quote('鸽哨部门')}",
        f"/catalogue?tags={quote('纳税')}",
        f"/api/datasets?tags={quote('纳税')}",
    ]
    return [base + p for p in probes]


@pytest.fixture
def portal(lab: LabServices, tmp_path):
    seed_portal(lab, tmp_path)
    _seed_restricted(lab, tmp_path)
    with serving(lab) as url:
        yield url


def test_no_canary_anywhere_the_public_can_reach(portal: str) -> None:
    """Pages, searches, facets, APIs, errors and downloads carry no restricted value or name."""
    queue, seen, leaks = deque(_probes(portal)), set(), []
    with httpx.Client(timeout=30) as client:
        while queue and len(seen) < MAX_VISITS:
            url = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url)
            assert response.status_code < 500, (url, response.text[:300])
            asked = unquote(url).lower()  # a value the request itself carried may be echoed
            for text in _texts_of(response):
                leaks += [(url, c) for c in CANARIES if c in text and c.lower() not in asked]
                leaks += [(url, s) for s in RESTRICTED_SLUGS if s in text and s not in asked]
            queue.extend(_links(portal, response) - seen)
    assert leaks == []
    visited = " ".join(seen)
    for reached in (
        "/download/xlsx",
        "/download/parquet",
        "/api/datasets/bus-routes/rows",
        "package_show",
        "/datasets/annual-bands",
        "/departments/",
    ):
        assert reached in visited, f"the crawler never reached {reached}"
    assert len(seen) > 60
