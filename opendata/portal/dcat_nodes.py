"""JSON-LD nodes of the DCAT-AP export: literals, typed references, authority-table concepts,
licence documents, agents, and the portal's topic scheme.

Each node carries the classes DCAT-AP's range shapes expect, so a validator needs no vocabulary
besides the document. The context is embedded (``CONTEXT``): reading a document fetches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from opendata.ckan.shapes import group_name
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


def zh(text: str) -> dict[str, str]:
    """A Chinese literal."""
    return {"@value": text, "@language": "zh"}


def en(text: str) -> dict[str, str]:
    """An English literal."""
    return {"@value": text, "@language": "en"}


def stamp(moment: datetime) -> dict[str, str]:
    """An xsd:dateTime literal."""
    return {"@value": moment.isoformat(), "@type": "xsd:dateTime"}


def document(iri: str) -> dict[str, object]:
    """A foaf:Document (landing pages, home pages, licence pages)."""
    return {"@id": iri, "@type": "foaf:Document"}


def resource(iri: str) -> dict[str, object]:
    """An rdfs:Resource (access and download URLs, as DCAT-AP 3.0's range shapes ask)."""
    return {"@id": iri, "@type": "rdfs:Resource"}


def concept(code: Code, *classes: str) -> dict[str, object]:
    """An authority-table concept with its label and table, typed as the range shapes expect."""
    return {
        "@id": code.iri,
        "@type": ["skos:Concept", *classes],
        "skos:prefLabel": en(code.label),
        "skos:inScheme": {
            "@id": code.scheme,
            "@type": "skos:ConceptScheme",
            "dct:title": en(authority().scheme_titles[code.scheme]),
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
        "skos:prefLabel": zh(topic),
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
        **scheme_reference(base_url, title),
        "skos:hasTopConcept": [topic_concept(topic, base_url) for topic in every],
    }


def scheme_reference(base_url: str, title: str) -> dict[str, object]:
    """The portal's topic scheme, named and titled (no concepts)."""
    return {
        "@id": themes_iri(base_url),
        "@type": "skos:ConceptScheme",
        "dct:title": zh(f"{title}数据主题"),
    }


def licence_node(licence: Licence, base_url: str) -> dict[str, object]:
    """A licence document with its titles, ADMS licence types and the page that states it."""
    return {
        "@id": licence.absolute_iri(base_url),
        "@type": "dct:LicenseDocument",
        "dct:title": [zh(licence.title), en(licence.title_en)],
        "dct:type": [concept(code) for code in licence.types],
        "foaf:page": document(licence.absolute_url(base_url)),
    }


def agent(name: str, iri: str | None = None) -> dict[str, object]:
    """A publishing body of the city (a local authority), named in Chinese."""
    node: dict[str, object] = {
        "@type": "foaf:Agent",
        "foaf:name": zh(name),
        "dct:type": concept(authority().publisher_type),
    }
    if iri:
        node["@id"] = iri
    return node
