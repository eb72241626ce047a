"""Metadata export: a DCAT-AP catalogue in JSON-LD and a Project Open Data ``data.json``.

Tiers map to access levels: T1 is ``public`` (DCAT access right PUBLIC, distributions with
download URLs), T2 is ``restricted public`` (access right RESTRICTED, one distribution whose
access URL is the dataset page where one applies; no download URL). T3 and stricter are never
listed at all — ``non-public`` exists only as the mapping's answer for completeness — because
even a dataset's title or department can be sensitive, and the export reads the catalogue
solely through ``opendata.catalogue``, which never returns them.
"""

from __future__ import annotations

from collections.abc import Iterable

from opendata.catalogue import PublicDataset

ACCESS_LEVELS = {"T1": "public", "T2": "restricted public"}
_ACCESS_RIGHTS = {
    "public": "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
    "restricted public": "http://publications.europa.eu/resource/authority/access-right/RESTRICTED",
}
_PERIODS = {
    "实时": "R/PT1H",
    "每小时": "R/PT1H",
    "每日": "R/P1D",
    "每天": "R/P1D",
    "每周": "R/P1W",
    "每月": "R/P1M",
    "每季度": "R/P3M",
    "每半年": "R/P6M",
    "每年": "R/P1Y",
    "hourly": "R/PT1H",
    "daily": "R/P1D",
    "weekly": "R/P1W",
    "monthly": "R/P1M",
    "quarterly": "R/P3M",
    "yearly": "R/P1Y",
    "annually": "R/P1Y",
}
_MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}
_CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def access_level(tier: str) -> str:
    """data.json's accessLevel for ``tier``: public, restricted public, or non-public."""
    return ACCESS_LEVELS.get(tier, "non-public")


def periodicity(update_frequency: str) -> str:
    """An ISO 8601 repeating duration for an update frequency (Chinese or English), else
    ``irregular``."""
    return _PERIODS.get(update_frequency.strip().lower(), "irregular")


def _page(base_url: str, dataset: PublicDataset) -> str:
    return f"{base_url}/datasets/{dataset.slug}"


def _download(base_url: str, dataset: PublicDataset, fmt: str) -> str:
    return f"{base_url}/datasets/{dataset.slug}/download/{fmt}"


def _zh(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "zh"}


def dcat_catalogue(
    datasets: Iterable[PublicDataset], *, base_url: str, title: str, publisher: str
) -> dict[str, object]:
    """The DCAT-AP catalogue of the visible datasets as a JSON-LD document."""
    return {
        "@context": _CONTEXT,
        "@id": f"{base_url}/catalog.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": _zh(title),
        "dct:description": _zh(f"{title}：可下载的公开数据与可申请的有条件开放数据"),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": publisher},
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
        "foaf:homepage": {"@id": f"{base_url}/"},
        "dcat:dataset": [_dcat_dataset(d, base_url) for d in datasets],
    }


def _dcat_dataset(dataset: PublicDataset, base_url: str) -> dict[str, object]:
    level = access_level(dataset.tier)
    entry = {
        "@id": _page(base_url, dataset),
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.slug,
        "dct:title": _zh(dataset.title),
        "dct:description": _zh(dataset.description or dataset.title),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": dataset.department},
        "dct:modified": {"@value": dataset.last_updated.isoformat(), "@type": "xsd:dateTime"},
        "dct:accessRights": {"@id": _ACCESS_RIGHTS[level]},
        "dct:accrualPeriodicity": periodicity(dataset.update_frequency),
        "dcat:keyword": [_zh(t) for t in dataset.tags],
        "dcat:landingPage": {"@id": _page(base_url, dataset)},
        "dcat:distribution": _dcat_distributions(dataset, base_url),
    }
    if dataset.title_en:
        entry["dct:alternative"] = {"@value": dataset.title_en, "@language": "en"}
    if dataset.topic:
        entry["dcat:theme"] = _zh(dataset.topic)
    return entry


def _dcat_distributions(dataset: PublicDataset, base_url: str) -> list[dict[str, object]]:
    if not dataset.is_open:
        return [
            {
                "@type": "dcat:Distribution",
                "dct:title": _zh("有条件开放：申请获批后下载脱敏数据"),
                "dcat:accessURL": {"@id": _page(base_url, dataset)},
            }
        ]
    return [
        {
            "@type": "dcat:Distribution",
            "dct:title": _zh(f"{dataset.title} ({fmt.upper()})"),
            "dct:format": fmt.upper(),
            "dcat:mediaType": _MEDIA[fmt],
            "dcat:accessURL": {"@id": _page(base_url, dataset)},
            "dcat:downloadURL": {"@id": _download(base_url, dataset, fmt)},
        }
        for fmt in dataset.formats
    ]


def data_json(
    datasets: Iterable[PublicDataset], *, base_url: str, publisher: str
) -> dict[str, object]:
    """The visible datasets as a Project Open Data v1.1 ``data.json`` catalogue."""
    return {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": f"{base_url}/data.json",
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": [_pod_dataset(d, base_url, publisher) for d in datasets],
    }


def _pod_dataset(dataset: PublicDataset, base_url: str, publisher: str) -> dict[str, object]:
    level = access_level(dataset.tier)
    entry: dict[str, object] = {
        "@type": "dcat:Dataset",
        "identifier": _page(base_url, dataset),
        "title": dataset.title,
        "description": dataset.description or dataset.title,
        "keyword": list(dataset.tags) or [dataset.topic or dataset.department],
        "modified": dataset.last_updated.isoformat(),
        "publisher": {
            "@type": "org:Organization",
            "name": dataset.department,
            "subOrganizationOf": {"@type": "org:Organization", "name": publisher},
        },
        "contactPoint": {"@type": "vcard:Contact", "fn": dataset.department},
        "accessLevel": level,
        "accrualPeriodicity": periodicity(dataset.update_frequency),
        "landingPage": _page(base_url, dataset),
        "language": ["zh"],
    }
    if dataset.topic:
        entry["theme"] = [dataset.topic]
    if dataset.is_open:
        entry["distribution"] = [
            {
                "@type": "dcat:Distribution",
                "title": f"{dataset.title} ({fmt.upper()})",
                "format": fmt.upper(),
                "mediaType": _MEDIA[fmt],
                "downloadURL": _download(base_url, dataset, fmt),
            }
            for fmt in dataset.formats
        ]
    else:
        entry["rights"] = "有条件开放：提交申请与安全承诺书，经审核批准后下载脱敏数据"
        entry["distribution"] = [
            {
                "@type": "dcat:Distribution",
                "title": "申请有条件开放数据",
                "accessURL": _page(base_url, dataset),
            }
        ]
    return entry
