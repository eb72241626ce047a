"""``data.json``: the visible catalogue in the Project Open Data (POD) 1.1 schema.

Tiers map to POD access levels: T1 is ``public`` (distributions with download URLs), T2 is
``restricted public`` (one distribution whose access URL is the dataset page where one applies,
and ``rights`` saying how). T3 and stricter are never listed — ``non-public`` exists only as the
mapping's answer for completeness — because the export reads the catalogue through
``opendata.portal.catalogue``, which never returns them.

POD's federal-only fields (``bureauCode``, ``programCode``: OMB codes of U.S. agencies) are left
out, as the POD schema's notes tell non-federal publishers; everything else follows the schema.
Periods, media types and licences come from ``opendata.vocabularies``.
"""

from __future__ import annotations

from collections.abc import Iterable

from opendata.portal.catalogue import PublicDataset
from opendata.vocabularies import authority

ACCESS_LEVELS = {"T1": "public", "T2": "restricted public"}
CONDITIONAL_RIGHTS = "有条件开放：提交申请与安全承诺书，经审核批准后下载脱敏数据"


def access_level(tier: str) -> str:
    """data.json's accessLevel for ``tier``: public, restricted public, or non-public."""
    return ACCESS_LEVELS.get(tier, "non-public")


def periodicity(update_frequency: str) -> str:
    """An ISO 8601 repeating duration for an update frequency (Chinese or English), else
    ``irregular``."""
    return authority().frequency(update_frequency).iso


def data_json(
    datasets: Iterable[PublicDataset], *, base_url: str, publisher: str, contact_email: str = ""
) -> dict[str, object]:
    """The visible datasets as a Project Open Data v1.1 ``data.json`` catalogue.

    ``contact_email`` (the portal's, optional) becomes each contact point's ``hasEmail``.
    """
    return {
        "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
        "@id": f"{base_url}/data.json",
        "@type": "dcat:Catalog",
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json",
        "dataset": [_dataset(d, base_url, publisher, contact_email) for d in datasets],
    }


def _dataset(
    dataset: PublicDataset, base_url: str, publisher: str, contact_email: str
) -> dict[str, object]:
    page = f"{base_url}/datasets/{dataset.slug}"
    contact = {"@type": "vcard:Contact", "fn": dataset.department}
    if contact_email:
        contact["hasEmail"] = f"mailto:{contact_email}"
    entry: dict[str, object] = {
        "@type": "dcat:Dataset",
        "identifier": page,
        "title": dataset.title,
        "description": dataset.description or dataset.title,
        "keyword": list(dataset.tags) or [dataset.topic or dataset.department],
        "modified": dataset.last_updated.isoformat(),
        "publisher": {
            "@type": "org:Organization",
            "name": dataset.department,
            "subOrganizationOf": {"@type": "org:Organization", "name": publisher},
        },
        "contactPoint": contact,
        "accessLevel": access_level(dataset.tier),
        "license": authority().licence(dataset.tier).absolute_url(base_url),
        "accrualPeriodicity": periodicity(dataset.update_frequency),
        "landingPage": page,
        "language": ["zh"],
        "distribution": _distributions(dataset, base_url),
    }
    if dataset.created:
        entry["issued"] = dataset.created.isoformat()
    if dataset.topic:
        entry["theme"] = [dataset.topic]
    if not dataset.is_open:
        entry["rights"] = CONDITIONAL_RIGHTS
    return entry


def _distributions(dataset: PublicDataset, base_url: str) -> list[dict[str, object]]:
    formats = authority().formats
    if not dataset.is_open:
        return [
            {
                "@type": "dcat:Distribution",
                "title": "申请有条件开放数据",
                "accessURL": f"{base_url}/datasets/{dataset.slug}",
                "format": formats["html"].eu.label,
                "mediaType": formats["html"].media_type,
            }
        ]
    return [
        {
            "@type": "dcat:Distribution",
            "title": f"{dataset.title} ({fmt.upper()})",
            "format": formats[fmt].eu.label,
            "mediaType": formats[fmt].media_type,
            "downloadURL": f"{base_url}/datasets/{dataset.slug}/download/{fmt}",
        }
        for fmt in dataset.formats
    ]
