"""The demo portal's metadata export, fetched over HTTP, passes the official validators: DCAT-AP
3.0.0 and 2.1.1 SHACL shapes (pyshacl) and the Project Open Data 1.1 JSON schema (jsonschema).

The shapes and schemas are the published files, kept unchanged under ``tests/fixtures/`` (their
README names source, commit and licence); nothing is fetched from the network.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from jsonschema import Draft4Validator
from pyshacl import validate
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH, SKOS
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from lab.demo import generate_demo_data
from lab.demo.catalogue import load_demo_catalogue
from lab.services import open_services
from lab.settings import LabSettings
from tests.system.live_server import serving

# rdflib's own JSON-LD parser builds a ConjunctiveGraph, which rdflib 7 itself deprecates.
pytestmark = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning:rdflib.*"
)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SHAPES_3 = FIXTURES / "dcat-ap" / "3.0.0"
SHAPES_2 = FIXTURES / "dcat-ap" / "2.1.1"
POD = FIXTURES / "pod-1.1"
SPDX = Namespace("http://spdx.org/rdf/terms#")
CONTACT = "opendata@bureau.example.org"
# The validator's types (see the fixtures' README), each a set of shape files.
DCAT_AP_3 = {
    "3.0.0 full, individual constraints": ["dcat-ap-SHACL.ttl"],
    "3.0.0 full": ["shapes.ttl", "range.ttl", "shapes_recommended.ttl", "deprecateduris.ttl"],
    "3.0.0 controlled vocabularies": ["mdr-vocabularies.shape.ttl"],
}
DCAT_AP_2 = {
    "2.1.1 full": [
        f"dcat-ap_2.1.1_shacl_{name}.ttl"
        for name in ("shapes", "range", "shapes_recommended", "deprecateduris")
    ],
    "2.1.1 controlled vocabularies": ["dcat-ap_2.1.1_shacl_mdr-vocabularies.shape.ttl"],
}


@dataclass(frozen=True)
class Portal:
    """The running demo portal and what the test fetched from it."""

    url: str
    slugs: tuple[str, ...]


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The demo city served over HTTP, each dataset page visited once (as a visitor would:
    that prepares the small tables' download files, so their checksums exist)."""
    work = tmp_path_factory.mktemp("dcat")
    generate_demo_data(work / "demo", scale=300, seed=11)
    services = open_services(LabSettings(home=work / "home", portal_contact_email=CONTACT))
    try:
        load_demo_catalogue(services, work / "demo")
        with serving(services) as url:
            listed = httpx.get(f"{url}/data.json", timeout=30).json()["dataset"]
            for entry in listed:
                assert httpx.get(entry["landingPage"], timeout=120).status_code == 200
            yield Portal(url, tuple(e["landingPage"].rsplit("/", 1)[1] for e in listed))
    finally:
        services.close()


def fetch_graph(url: str) -> Graph:
    answer = httpx.get(url, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/ld+json")
    return Graph().parse(data=answer.text, format="json-ld")


def shacl_results(data: Graph, folder: Path, files: list[str]) -> tuple[list[str], int]:
    """(one line per violation, number of warnings) of ``data`` against the shape files."""
    shapes = Graph()
    for name in files:
        shapes.parse(folder / name, format="turtle")
    _conforms, report, _text = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    violations, warnings = [], 0
    for top in report.subjects(RDF.type, SH.ValidationReport):
        for result in report.objects(top, SH.result):
            severity = report.value(result, SH.resultSeverity)
            if severity == SH.Violation:
                violations.append(
                    f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
                    f"{report.value(result, SH.resultMessage)}"
                )
            else:
                warnings += 1
    return violations, warnings


@pytest.mark.parametrize("kind", sorted(DCAT_AP_3))
def test_catalogue_passes_dcat_ap_3(portal: Portal, kind: str) -> None:
    """/catalog.jsonld: 0 violations of each DCAT-AP 3.0.0 validation type."""
    data = fetch_graph(f"{portal.url}/catalog.jsonld")
    assert len(set(data.subjects(RDF.type, DCAT.Dataset))) == len(portal.slugs) >= 5
    violations, warnings = shacl_results(data, SHAPES_3, DCAT_AP_3[kind])
    assert not violations, f"{len(violations)} violations ({warnings} warnings):\n" + "\n".join(
        violations
    )


@pytest.mark.parametrize("kind", sorted(DCAT_AP_2))
def test_catalogue_passes_dcat_ap_2(portal: Portal, kind: str) -> None:
    """/catalog.jsonld?profile=2.1.1: 0 violations of each DCAT-AP 2.1.1 validation type."""
    data = fetch_graph(f"{portal.url}/catalog.jsonld?profile=2.1.1")
    violations, warnings = shacl_results(data, SHAPES_2, DCAT_AP_2[kind])
    assert not violations, f"{len(violations)} violations ({warnings} warnings):\n" + "\n".join(
        violations
    )


def checksum_of(data: Graph, download_url: str) -> tuple[URIRef, str]:
    """(algorithm, value) of the distribution whose download URL is ``download_url``."""
    distribution = data.value(predicate=DCAT.downloadURL, object=URIRef(download_url))
    checksum = data.value(distribution, SPDX.checksum)
    return data.value(checksum, SPDX.algorithm), str(data.value(checksum, SPDX.checksumValue))


def test_checksums_are_those_of_the_served_files(portal: Portal) -> None:
    """Each profile's checksum is the digest of the very bytes the download URL sends."""
    current = fetch_graph(f"{portal.url}/catalog.jsonld")
    legacy = fetch_graph(f"{portal.url}/catalog.jsonld?profile=2.1.1")
    checked = 0
    for slug in portal.slugs:
        url = f"{portal.url}/datasets/{slug}/download/csv"
        if current.value(predicate=DCAT.downloadURL, object=URIRef(url)) is None:
            continue  # conditional data: no download
        body = httpx.get(url, timeout=60).content
        assert checksum_of(current, url) == (
            SPDX.checksumAlgorithm_sha256,
            hashlib.sha256(body).hexdigest(),
        )
        assert checksum_of(legacy, url) == (
            SPDX.checksumAlgorithm_sha1,
            hashlib.sha1(body, usedforsecurity=False).hexdigest(),
        )
        checked += 1
    assert checked >= 4


def test_an_unknown_profile_is_refused(portal: Portal) -> None:
    """?profile= other than 3.0.0 or 2.1.1 is a 400 in the one error shape, naming them."""
    answer = httpx.get(f"{portal.url}/catalog.jsonld?profile=1.1", timeout=30)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_input"
    assert "2.1.1" in answer.json()["error"]["message"]


def test_themes_are_concepts_of_a_published_scheme(portal: Portal) -> None:
    """Every dataset's themes: an EU data theme and the portal's topic, whose Chinese name is a
    prefLabel@zh of a concept in /themes.jsonld matched to that EU theme."""
    catalogue = fetch_graph(f"{portal.url}/catalog.jsonld")
    scheme = fetch_graph(f"{portal.url}/themes.jsonld")
    scheme_iri = URIRef(f"{portal.url}/themes.jsonld")
    assert (scheme_iri, RDF.type, SKOS.ConceptScheme) in scheme
    eu = "http://publications.europa.eu/resource/authority/data-theme/"
    for dataset in catalogue.subjects(RDF.type, DCAT.Dataset):
        themes = set(catalogue.objects(dataset, DCAT.theme))
        eu_themes = {t for t in themes if str(t).startswith(eu)}
        (topic,) = themes - eu_themes
        assert eu_themes, dataset
        assert (topic, SKOS.inScheme, scheme_iri) in scheme
        (label,) = scheme.objects(topic, SKOS.prefLabel)
        assert isinstance(label, Literal) and label.language == "zh" and label.value
        assert (
            set(scheme.objects(topic, SKOS.exactMatch))
            | set(scheme.objects(topic, SKOS.broadMatch))
            == eu_themes
        )
    assert (URIRef(f"{eu}TRAN"), SKOS.inScheme, URIRef(eu.rstrip("/"))) in catalogue


def test_every_dataset_has_one_licence_everywhere(portal: Portal) -> None:
    """DCAT dct:license (dataset and distributions), data.json license and CKAN's license_url
    name the same document; open data is CC BY 4.0, conditional data the use agreement."""
    catalogue = fetch_graph(f"{portal.url}/catalog.jsonld")
    pod = {d["landingPage"]: d for d in httpx.get(f"{portal.url}/data.json").json()["dataset"]}
    kinds = set()
    for slug in portal.slugs:
        page = f"{portal.url}/datasets/{slug}"
        package = httpx.get(f"{portal.url}/api/3/action/package_show?id={slug}").json()["result"]
        licence = catalogue.value(URIRef(page), DCTERMS.license)
        for distribution in catalogue.objects(URIRef(page), DCAT.distribution):
            assert catalogue.value(distribution, DCTERMS.license) == licence
        document = str(catalogue.value(licence, URIRef("http://xmlns.com/foaf/0.1/page")))
        assert pod[page]["license"] == package["license_url"] == document
        kinds.add((package["license_id"], pod[page]["accessLevel"], str(licence)))
    assert kinds == {
        (
            "cc-by",
            "public",
            "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
        ),
        ("other-closed", "restricted public", f"{portal.url}/licences/conditional-use"),
    }
    assert httpx.get(f"{portal.url}/licences/conditional-use").status_code == 200
    listed = httpx.get(f"{portal.url}/api/3/action/license_list").json()["result"]
    assert {(e["id"], e["url"]) for e in listed} == {
        ("cc-by", "https://creativecommons.org/licenses/by/4.0/"),
        ("other-closed", f"{portal.url}/licences/conditional-use"),
    }


def pod_validator(folder: Path, catalog_file: str) -> Draft4Validator:
    """A validator of ``catalog_file`` whose $refs resolve to the files beside it."""
    registry = Registry()
    base = "https://project-open-data.cio.gov/v1.1/schema/"
    for path in folder.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        registry = registry.with_resource(
            base + path.name, Resource.from_contents(schema, default_specification=DRAFT4)
        )
    schema = json.loads((folder / catalog_file).read_text(encoding="utf-8"))
    return Draft4Validator(schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def test_data_json_passes_project_open_data_1_1(portal: Portal) -> None:
    """data.json: no error against POD 1.1 except its two U.S.-federal-only required codes,
    and none at all against data.gov's schema for non-federal publishers."""
    document = httpx.get(f"{portal.url}/data.json", timeout=30).json()
    assert len(document["dataset"]) == len(portal.slugs)
    federal = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in pod_validator(POD / "federal", "catalog.json").iter_errors(document)
    ]
    usg_only = {"'bureauCode' is a required property", "'programCode' is a required property"}
    assert {line.split(": ", 1)[1] for line in federal} == usg_only, "\n".join(federal)
    non_federal = list(pod_validator(POD / "non-federal", "catalog.json").iter_errors(document))
    assert not non_federal, "\n".join(e.message for e in non_federal)
    levels = {d["accessLevel"] for d in document["dataset"]}
    assert levels == {"public", "restricted public"}
    assert all(d["contactPoint"]["hasEmail"] == f"mailto:{CONTACT}" for d in document["dataset"])
