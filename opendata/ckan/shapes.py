"""Portal datasets in CKAN's shapes: packages, resources, organizations, groups and tags.

* a visible dataset is a package (``name`` = ``id`` = its slug); its tier is kept in ``extras``
  with the data.json access level; its licence is its tier's (``opendata.vocabularies``), under
  the id CKAN's own licence list gives it;
* a T1 dataset has one resource per download format (``<slug>.<format>``), each usable with
  ``datastore_search``; a T2 dataset has one resource pointing to its application page, with no
  datastore; every resource lists the dataset's columns in ``fields``, with the data dictionary
  as the CKAN DataStore data dictionary keeps it (``info``: ``label``, ``notes``, and ``unit``);
* a department is an organization and a topic a group; their CKAN names are stable digests of
  the Chinese names (CKAN names are ASCII), their titles the names themselves.
"""

from __future__ import annotations

import hashlib

from opendata.portal.catalogue import FORMATS, PublicColumn, PublicDataset
from opendata.portal.pod import access_level
from opendata.portal.usage import Usage
from opendata.vocabularies import Licence, authority

EXTRACT = "extract"


def _digest_name(prefix: str, text: str) -> str:
    return f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def organization_name(department: str) -> str:
    """The stable CKAN name of a department (a short digest of it)."""
    return _digest_name("org", department)


def group_name(topic: str) -> str:
    """The stable CKAN name of a topic (a short digest of it)."""
    return _digest_name("topic", topic)


def resource_id(slug: str, kind: str) -> str:
    """The id of a dataset's file in ``kind`` (a format or ``extract``)."""
    return f"{slug}.{kind}"


def split_resource_id(value: str) -> tuple[str, str]:
    """(slug, format or ``extract``) of a resource id; ("", "") when it is not shaped like one."""
    slug, _, kind = value.rpartition(".")
    return (slug, kind) if slug and kind in (*FORMATS, EXTRACT) else ("", "")


def organization(department: str, package_count: int) -> dict[str, object]:
    """A department as a CKAN organization."""
    return _owner(organization_name(department), department, package_count, is_organization=True)


def group(topic: str, package_count: int) -> dict[str, object]:
    """A topic as a CKAN group."""
    return _owner(group_name(topic), topic, package_count, is_organization=False)


def _owner(name: str, title: str, package_count: int, *, is_organization: bool) -> dict:
    return {
        "id": name,
        "name": name,
        "title": title,
        "display_name": title,
        "description": "",
        "type": "organization" if is_organization else "group",
        "is_organization": is_organization,
        "state": "active",
        "approval_status": "approved",
        "image_url": "",
        "package_count": package_count,
    }


def tag(name: str) -> dict[str, object]:
    """A tag as a CKAN tag (free tags, no vocabulary)."""
    return {
        "id": name,
        "name": name,
        "display_name": name,
        "vocabulary_id": None,
        "state": "active",
    }


def field(column: PublicColumn) -> dict[str, object]:
    """A column as a DataStore field, its dictionary entry in ``info`` (empty notes: none)."""
    info = {"label": column.name, "notes": column.description}
    if column.unit:
        info["unit"] = column.unit
    kind = "numeric" if column.type == "number" else "text"
    return {"id": column.name, "type": kind, "info": info}


def resources(dataset: PublicDataset, base_url: str) -> list[dict[str, object]]:
    """The resources of ``dataset``: its download formats (T1) or its application page (T2)."""
    stamp = dataset.last_updated.replace(tzinfo=None).isoformat()
    common = {
        "package_id": dataset.slug,
        "state": "active",
        "created": stamp,
        "fields": [field(c) for c in dataset.columns],
    }
    if not dataset.is_open:
        return [
            {
                **common,
                "id": resource_id(dataset.slug, EXTRACT),
                "name": f"{dataset.title}（有条件开放，需申请）",
                "description": "De-identified extract for approved applicants only.",
                "format": "",
                "mimetype": None,
                "url": f"{base_url}/datasets/{dataset.slug}",
                "datastore_active": False,
                "last_modified": stamp,
                "position": 0,
            }
        ]
    return [
        {
            **common,
            "id": resource_id(dataset.slug, fmt),
            "name": f"{dataset.title} ({fmt.upper()})",
            "description": "",
            "format": fmt.upper(),
            "mimetype": authority().formats[fmt].media_type,
            "url": f"{base_url}/datasets/{dataset.slug}/download/{fmt}",
            "datastore_active": True,
            "last_modified": stamp,
            "position": position,
        }
        for position, fmt in enumerate(dataset.formats)
    ]


def _licence_fields(dataset: PublicDataset, base_url: str) -> dict[str, object]:
    """CKAN's licence fields: the id CKAN's licence list uses, the Chinese title, the text's URL."""
    licence = authority().licence(dataset.tier)
    return {
        "license_id": licence.ckan_id,
        "license_title": licence.title,
        "license_url": licence.absolute_url(base_url),
    }


def licence(entry: Licence, base_url: str) -> dict[str, object]:
    """A licence in the shape of CKAN's ``license_list`` entries."""
    return {
        "id": entry.ckan_id,
        "title": entry.title,
        "url": entry.absolute_url(base_url),
        "status": "active",
        "od_conformance": "approved" if entry.is_open else "not reviewed",
        "is_okd_compliant": entry.is_open,
        "is_generic": False,
    }


def package(dataset: PublicDataset, usage: Usage, base_url: str) -> dict[str, object]:
    """``dataset`` as a CKAN package."""
    created = (dataset.created or dataset.last_updated).replace(tzinfo=None).isoformat()
    modified = dataset.last_updated.replace(tzinfo=None).isoformat()
    listed = resources(dataset, base_url)
    org = organization(dataset.department, 0)
    del org["package_count"]
    groups = [group(dataset.topic, 0)] if dataset.topic else []
    for entry in groups:
        del entry["package_count"]
    return {
        "id": dataset.slug,
        "name": dataset.slug,
        "title": dataset.title,
        "notes": dataset.description,
        "type": "dataset",
        "state": "active",
        "private": False,
        "version": str(dataset.version),
        "url": f"{base_url}/datasets/{dataset.slug}",
        "author": dataset.department,
        "maintainer": dataset.department,
        **_licence_fields(dataset, base_url),
        "metadata_created": created,
        "metadata_modified": modified,
        "owner_org": org["id"],
        "organization": org,
        "groups": groups,
        "tags": [tag(t) for t in dataset.tags],
        "num_tags": len(dataset.tags),
        "resources": listed,
        "num_resources": len(listed),
        "extras": [
            {"key": "tier", "value": dataset.tier},
            {"key": "access_level", "value": access_level(dataset.tier)},
            {"key": "update_frequency", "value": dataset.update_frequency},
            {"key": "title_en", "value": dataset.title_en},
            {"key": "row_count", "value": str(dataset.row_count)},
        ],
        "tracking_summary": {"total": usage.views, "recent": usage.views},
        "download_count": usage.downloads,
    }
