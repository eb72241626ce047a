"""The DCAT-AP 3.0 catalogue of the visible datasets as JSON-LD, and the portal's topic scheme.

T1 datasets are PUBLIC (one distribution per download format, with download URLs and, once a
file has been prepared, its SHA-256); T2 datasets are RESTRICTED (one distribution whose access
URL is the dataset page where one applies; no download URL). T3 and stricter are never listed:
the export reads the catalogue solely through ``opendata.catalogue``, which never returns them.

Controlled values are IRIs from the EU authority tables and IANA (``opendata.vocabularies``),
each described in place with the classes DCAT-AP's range shapes expect and its table as
``skos:inScheme``, as harvesters state them, so the document validates without fetching the
tables. Each topic is a ``skos:Concept`` of the portal's own scheme (``/themes.jsonld``) with its
Chinese name as ``skos:prefLabel@zh``, matched to its EU data themes; a dataset's ``dcat:theme``
names both. The JSON-LD context is embedded: reading the document fetches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import quote

from opendata.catalogue import PublicDataset
from opendata.ckan.shapes import group_name
from opendata.downloads import FormatFile
from opendata.vocabularies import Code, Licence, authority

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
DATA_THEMES = "http://publications.europa.eu/resource/authority/data-theme"
PROFILES = ("3.0.0", "2.1.1")

Checksums = Mapping[tuple[str, str], FormatFile]


def _zh(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "zh"}


def _en(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "en"}


def _stamp(moment: datetime) -> dict[str, str]:
    return {"@value": moment.isoformat(), "@type": "xsd:dateTime"}


def _document(iri: str) -> dict[str, object]:
    return {"@id": iri, "@type": "foaf:Document"}


def _resource(iri: str) -> dict[str, object]:
    return {"@id": iri, "@type": "rdfs:Resource"}


def _concept(code: Code, *classes: str) -> dict[str, object]:
    """An authority-table concept with its label and table, typed as the range shapes expect."""
    return {
        "@id": code.iri,
        "@type": ["skos:Concept", *classes],
        "skos:prefLabel": _en(code.label),
        "skos:inScheme": {
            "@id": code.scheme,
            "@type": "skos:ConceptScheme",
            "dct:title": _en(authority().scheme_titles[code.scheme]),
        },
    }


def themes_iri(base_url: str) -> str:
    """The IRI of the portal's topic scheme (the document that serves it)."""
    return f"{base_url}/themes.jsonld"


def topic_concept(topic: str, base_url: str) -> dict[str, object]:
    """The portal's concept for ``topic``: Chinese label, its scheme, its EU data themes."""
    entry: dict[str, object] = {
        "@id": f"{themes_iri(base_url)}#{group_name(topic)}",
        "@type": "skos:Concept",
        "skos:prefLabel": _zh(topic),
        "skos:inScheme": {"@id": themes_iri(base_url)},
    }
    matches = authority().themes(topic)
    if matches:
        entry["skos:exactMatch" if len(matches) == 1 else "skos:broadMatch"] = [
            {"@id": code.iri} for code in matches
        ]
    return entry


def topic_scheme(topics: Iterable[str], *, base_url: str, title: str) -> dict[str, object]:
    """The portal's topic scheme as a JSON-LD document: every mapped and every used topic."""
    every = sorted(set(authority().themes_by_topic) | {t for t in topics if t})
    return {
        "@context": CONTEXT,
        "@id": themes_iri(base_url),
        "@type": "skos:ConceptScheme",
        "dct:title": _zh(f"{title}数据主题"),
        "skos:hasTopConcept": [topic_concept(topic, base_url) for topic in every],
    }


def _scheme_reference(base_url: str, title: str) -> dict[str, object]:
    return {
        "@id": themes_iri(base_url),
        "@type": "skos:ConceptScheme",
        "dct:title": _zh(f"{title}数据主题"),
    }


def _licence(licence: Licence, base_url: str) -> dict[str, object]:
    return {
        "@id": licence.absolute_iri(base_url),
        "@type": "dct:LicenseDocument",
        "dct:title": [_zh(licence.title), _en(licence.title_en)],
        "dct:type": [_concept(code) for code in licence.types],
        "foaf:page": _document(licence.absolute_url(base_url)),
    }


def _agent(name: str, iri: str | None = None) -> dict[str, object]:
    agent: dict[str, object] = {
        "@type": "foaf:Agent",
        "foaf:name": _zh(name),
        "dct:type": _concept(authority().publisher_type),
    }
    if iri:
        agent["@id"] = iri
    return agent


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
        "dct:title": _zh(title),
        "dct:description": _zh(f"{title}：可下载的公开数据与可申请的有条件开放数据"),
        "dct:publisher": _agent(publisher),
        "dct:language": _concept(vocabulary.language, "dct:LinguisticSystem"),
        "dct:license": _licence(vocabulary.licence("T1"), base_url),
        "foaf:homepage": _document(f"{base_url}/"),
        "dcat:themeTaxonomy": [
            {
                "@id": DATA_THEMES,
                "@type": "skos:ConceptScheme",
                "dct:title": _en(vocabulary.scheme_titles[DATA_THEMES]),
            },
            _scheme_reference(base_url, title),
        ],
        "dcat:dataset": [
            _dataset(d, base_url, checksums or {}, contact_email, profile) for d in listed
        ],
    }
    if listed:
        catalogue["dct:modified"] = _stamp(max(d.last_updated for d in listed))
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
        "dct:title": _zh(dataset.title),
        "dct:description": _zh(dataset.description or dataset.title),
        "dct:publisher": _agent(
            dataset.department, f"{base_url}/departments/{quote(dataset.department, safe='')}"
        ),
        "dcat:contactPoint": _contact(dataset, base_url, contact_email),
        "dct:modified": _stamp(dataset.last_updated),
        "dct:language": _concept(vocabulary.language, "dct:LinguisticSystem"),
        "dct:accessRights": _concept(vocabulary.access_rights[dataset.tier], "dct:RightsStatement"),
        "dct:accrualPeriodicity": _concept(
            vocabulary.frequency(dataset.update_frequency).eu, "dct:Frequency"
        ),
        "dct:license": _licence(vocabulary.licence(dataset.tier), base_url),
        "dcat:keyword": [_zh(t) for t in dataset.tags],
        "dcat:landingPage": _document(page),
        "dcat:distribution": _distributions(dataset, base_url, checksums, profile),
    }
    if dataset.created:
        entry["dct:issued"] = _stamp(dataset.created)
    if dataset.title_en:
        entry["dct:alternative"] = _en(dataset.title_en)
    if dataset.topic:
        eu_themes = [_concept(code) for code in vocabulary.themes(dataset.topic)]
        entry["dcat:theme"] = [*eu_themes, topic_concept(dataset.topic, base_url)]
    return entry


def _contact(dataset: PublicDataset, base_url: str, contact_email: str) -> dict[str, object]:
    """The owning department, reached through the portal's correction form (数据纠错)."""
    contact: dict[str, object] = {
        "@type": ["vcard:Kind", "vcard:Organization"],
        "vcard:fn": _zh(dataset.department),
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
    licence = _licence(authority().licence(dataset.tier), base_url)
    if not dataset.is_open:
        return [
            {
                "@type": "dcat:Distribution",
                "dct:title": _zh("有条件开放：申请获批后下载脱敏数据"),
                "dct:description": _zh(
                    "在数据集页面提交有条件开放数据申请表与公共数据安全承诺书，"
                    "经审核批准后下载带接收方标识的脱敏数据。"
                ),
                "dcat:accessURL": _resource(page),
                **_format_of("html"),
                "dct:license": licence,
                "dct:modified": _stamp(dataset.last_updated),
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
        "dct:title": _zh(f"{dataset.title} ({label})"),
        "dct:description": _zh(f"{dataset.title}，第 {dataset.version} 版，{label} 格式下载。"),
        "dcat:accessURL": _resource(page),
        "dcat:downloadURL": _resource(f"{page}/download/{fmt}"),
        **_format_of(fmt),
        "dct:license": licence,
        "dct:modified": _stamp(dataset.last_updated),
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
        "dct:format": _concept(file_format.eu, "dct:MediaTypeOrExtent"),
        "dcat:mediaType": {"@id": file_format.media_type_iri, "@type": "dct:MediaType"},
    }
