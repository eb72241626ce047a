"""The DCAT-AP 3.0 catalogue of the visible datasets as JSON-LD, and the portal's topic scheme.

T1 datasets are PUBLIC (one distribution per download format, with download URLs and, once a
file has been prepared, its SHA-256); T2 datasets are RESTRICTED (one distribution whose access
URL is the dataset page where one applies; no download URL). T3 and stricter are never listed:
the export reads the catalogue solely through ``opendata.portal.catalogue``, which never returns
them.

Controlled values are IRIs from the EU authority tables and IANA (``opendata.vocabularies``),
each described in place with the classes DCAT-AP's range shapes expect and its table as
``skos:inScheme``, as harvesters state them, so the document validates without fetching the
tables. Each topic is a ``skos:Concept`` of the portal's own scheme (``/themes.jsonld``) with its
Chinese name as ``skos:prefLabel@zh``, matched to its EU data themes; a dataset's ``dcat:theme``
names both. The JSON-LD context is embedded: reading the document fetches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from opendata.portal.catalogue import PublicDataset
from opendata.portal.dcat_nodes import (
    CONTEXT,
    agent,
    concept,
    document,
    en,
    licence_node,
    resource,
    scheme_reference,
    stamp,
    topic_concept,
    zh,
)
from opendata.portal.downloads import FormatFile
from opendata.vocabularies import authority

DATA_THEMES = "http://publications.europa.eu/resource/authority/data-theme"
PROFILES = ("3.0.0", "2.1.1")

Checksums = Mapping[tuple[str, str], FormatFile]


def dcat_catalogue(
    datasets: Iterable[PublicDataset],
    *,
    base_url: str,
    title: str,
    publisher: str,
    checksums: Checksums | None = None,
    contact_email: str = "",
    profile: str = "3.0.0",
) -> dict[str, object]:
    """The DCAT-AP catalogue of the visible datasets as a JSON-LD document.

    ``checksums`` holds the prepared download files by (slug, format); ``contact_email`` (the
    portal's, optional) joins each dataset's contact point. ``profile`` "2.1.1" gives SHA-1
    checksums (that profile allows no other algorithm, and a distribution one checksum) where
    the file has one; everything else is the same document.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile: one of {', '.join(PROFILES)}")
    listed = list(datasets)
    vocabulary = authority()
    catalogue: dict[str, object] = {
        "@context": CONTEXT,
        "@id": f"{base_url}/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": zh(title),
        "dct:description": zh(f"{title}：可下载的公开数据与可申请的有条件开放数据"),
        "dct:publisher": agent(publisher),
        "dct:language": concept(vocabulary.language, "dct:LinguisticSystem"),
        "dct:license": licence_node(vocabulary.licence("T1"), base_url),
        "foaf:homepage": document(f"{base_url}/"),
        "dcat:themeTaxonomy": [
            {
                "@id": DATA_THEMES,
                "@type": "skos:ConceptScheme",
                "dct:title": en(vocabulary.scheme_titles[DATA_THEMES]),
            },
            scheme_reference(base_url, title),
        ],
        "dcat:dataset": [
            _dataset(d, base_url, checksums or {}, contact_email, profile) for d in listed
        ],
    }
    if listed:
        catalogue["dct:modified"] = stamp(max(d.last_updated for d in listed))
    return catalogue


def _dataset(
    dataset: PublicDataset, base_url: str, checksums: Checksums, contact_email: str, profile: str
) -> dict[str, object]:
    vocabulary = authority()
    page = f"{base_url}/datasets/{dataset.slug}"
    entry: dict[str, object] = {
        "@id": page,
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.slug,
        "dct:title": zh(dataset.title),
        "dct:description": zh(dataset.description or dataset.title),
        "dct:publisher": agent(
            dataset.department, f"{base_url}/departments/{quote(dataset.department, safe='')}"
        ),
        "dcat:contactPoint": _contact(dataset, base_url, contact_email),
        "dct:modified": stamp(dataset.last_updated),
        "dct:language": concept(vocabulary.language, "dct:LinguisticSystem"),
        "dct:accessRights": concept(vocabulary.access_rights[dataset.tier], "dct:RightsStatement"),
        "dct:accrualPeriodicity": concept(
            vocabulary.frequency(dataset.update_frequency).eu, "dct:Frequency"
        ),
        "dct:license": licence_node(vocabulary.licence(dataset.tier), base_url),
        "dcat:keyword": [zh(t) for t in dataset.tags],
        "dcat:landingPage": document(page),
        "dcat:distribution": _distributions(dataset, base_url, checksums, profile),
    }
    if dataset.created:
        entry["dct:issued"] = stamp(dataset.created)
    if dataset.title_en:
        entry["dct:alternative"] = en(dataset.title_en)
    if dataset.topic:
        eu_themes = [concept(code) for code in vocabulary.themes(dataset.topic)]
        entry["dcat:theme"] = [*eu_themes, topic_concept(dataset.topic, base_url)]
    return entry


def _contact(dataset: PublicDataset, base_url: str, contact_email: str) -> dict[str, object]:
    """The owning department, reached through the portal's correction form (数据纠错)."""
    contact: dict[str, object] = {
        "@type": ["vcard:Kind", "vcard:Organization"],
        "vcard:fn": zh(dataset.department),
        "vcard:hasURL": {
            "@id": f"{base_url}/feedback?kind=correction&dataset={quote(dataset.slug)}"
        },
    }
    if contact_email:
        contact["vcard:hasEmail"] = {"@id": f"mailto:{contact_email}"}
    return contact


def _distributions(
    dataset: PublicDataset, base_url: str, checksums: Checksums, profile: str
) -> list[dict[str, object]]:
    page = f"{base_url}/datasets/{dataset.slug}"
    licence = licence_node(authority().licence(dataset.tier), base_url)
    if not dataset.is_open:
        return [
            {
                "@type": "dcat:Distribution",
                "dct:title": zh("有条件开放：申请获批后下载脱敏数据"),
                "dct:description": zh(
                    "在数据集页面提交有条件开放数据申请表与公共数据安全承诺书，"
                    "经审核批准后下载带接收方标识的脱敏数据。"
                ),
                "dcat:accessURL": resource(page),
                **_format_of("html"),
                "dct:license": licence,
                "dct:modified": stamp(dataset.last_updated),
            }
        ]
    return [
        _download(dataset, fmt, base_url, licence, _checksum(checksums, dataset, fmt, profile))
        for fmt in dataset.formats
    ]


def _download(
    dataset: PublicDataset,
    fmt: str,
    base_url: str,
    licence: dict[str, object],
    checksum: dict[str, object] | None,
) -> dict[str, object]:
    page = f"{base_url}/datasets/{dataset.slug}"
    label = authority().formats[fmt].eu.label
    distribution: dict[str, object] = {
        "@type": "dcat:Distribution",
        "dct:title": zh(f"{dataset.title} ({label})"),
        "dct:description": zh(f"{dataset.title}，第 {dataset.version} 版，{label} 格式下载。"),
        "dcat:accessURL": resource(page),
        "dcat:downloadURL": resource(f"{page}/download/{fmt}"),
        **_format_of(fmt),
        "dct:license": licence,
        "dct:modified": stamp(dataset.last_updated),
    }
    if checksum is not None:
        distribution["spdx:checksum"] = checksum
    return distribution


def _checksum(
    checksums: Checksums, dataset: PublicDataset, fmt: str, profile: str
) -> dict[str, object] | None:
    """The prepared file's SHA-256 (SHA-1 under profile 2.1.1), or None before it is built."""
    prepared = checksums.get((dataset.slug, fmt))
    if prepared is None:
        return None
    legacy = profile == "2.1.1"
    algorithm, value = ("sha1", prepared.sha1) if legacy else ("sha256", prepared.sha256)
    if not value:
        return None
    return {
        "@type": "spdx:Checksum",
        "spdx:algorithm": {
            "@id": f"spdx:checksumAlgorithm_{algorithm}",
            "@type": "spdx:ChecksumAlgorithm",
        },
        "spdx:checksumValue": {"@value": value, "@type": "xsd:hexBinary"},
    }


def _format_of(fmt: str) -> dict[str, object]:
    file_format = authority().formats[fmt]
    return {
        "dct:format": concept(file_format.eu, "dct:MediaTypeOrExtent"),
        "dcat:mediaType": {"@id": file_format.media_type_iri, "@type": "dct:MediaType"},
    }
