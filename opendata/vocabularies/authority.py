"""Parse ``eu_authority.toml``: the portal's vocabularies mapped onto the EU authority tables.

The file maps topics to EU data themes, update frequencies to the EU frequency table (and
data.json's ISO 8601 periods), download formats to the EU file-type table and IANA media types,
and tiers to licences. The DCAT-AP export, data.json, the CKAN API and the dataset page all answer
from here, so a mapping changes in one place.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MAPPING_FILE = Path(__file__).with_name("eu_authority.toml")
AUTHORITY = "http://publications.europa.eu/resource/authority"
ADMS_LICENCE_TYPES = "http://purl.org/adms/licencetype"
ADMS_PUBLISHER_TYPES = "http://purl.org/adms/publishertype"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types"


@dataclass(frozen=True)
class Code:
    """One concept of an authority table: its IRI, the table's IRI and its English label."""

    iri: str
    scheme: str
    label: str


@dataclass(frozen=True)
class Frequency:
    """An update frequency: its EU frequency concept and data.json's ISO 8601 period."""

    eu: Code
    iso: str


@dataclass(frozen=True)
class FileFormat:
    """A download format: its EU file-type concept and IANA media type."""

    eu: Code
    media_type: str

    @property
    def media_type_iri(self) -> str:
        """The media type's page in IANA's registry (the IRI DCAT-AP expects)."""
        return f"{IANA_MEDIA_TYPES}/{self.media_type}"


@dataclass(frozen=True)
class Licence:
    """A licence document; ``iri`` and ``url`` starting with "/" are pages of the portal."""

    key: str
    title: str
    title_en: str
    iri: str
    url: str
    ckan_id: str
    is_open: bool
    types: tuple[Code, ...]

    def absolute_iri(self, base_url: str) -> str:
        """``iri``, resolved against the portal's ``base_url`` when it is one of its pages."""
        return f"{base_url}{self.iri}" if self.iri.startswith("/") else self.iri

    def absolute_url(self, base_url: str) -> str:
        """``url``, resolved like ``absolute_iri``."""
        return f"{base_url}{self.url}" if self.url.startswith("/") else self.url


@dataclass(frozen=True)
class Authority:
    """The whole mapping file, parsed."""

    themes_by_topic: dict[str, tuple[Code, ...]]
    frequencies: dict[str, Frequency]
    formats: dict[str, FileFormat]
    licences: dict[str, Licence]
    licence_keys_by_tier: dict[str, str]
    access_rights: dict[str, Code]
    language: Code
    publisher_type: Code
    scheme_titles: dict[str, str]

    def themes(self, topic: str) -> tuple[Code, ...]:
        """The EU data themes of a portal topic (none for a topic the file does not list)."""
        return self.themes_by_topic.get(topic.strip(), ())

    def frequency(self, update_frequency: str) -> Frequency:
        """The frequency of a stored update frequency (English key or Chinese), else unknown."""
        return self.frequencies.get(update_frequency.strip().lower(), self.frequencies["unknown"])

    def licence(self, tier: str) -> Licence:
        """The licence a visible dataset of ``tier`` is published under."""
        return self.licences[self.licence_keys_by_tier[tier]]


def _code(table: str, code: str, label: str) -> Code:
    return Code(f"{AUTHORITY}/{table}/{code}", f"{AUTHORITY}/{table}", label)


def parse_authority(text: str) -> Authority:
    """Parse the mapping file's text; ValueError names an entry that refers to nothing."""
    raw = tomllib.loads(text)
    themes = {code: _code("data-theme", code, label) for code, label in raw["eu_themes"].items()}
    types = {
        code: Code(f"{ADMS_LICENCE_TYPES}/{code}", f"{ADMS_LICENCE_TYPES}/1.0", label)
        for code, label in raw["adms_licence_types"].items()
    }
    try:
        by_topic = {t: tuple(themes[c] for c in codes) for t, codes in raw["topics"].items()}
        licences = {
            key: Licence(
                key=key,
                title=e["title"],
                title_en=e["title_en"],
                iri=e["iri"],
                url=e["url"],
                ckan_id=e["ckan_id"],
                is_open=e["open"],
                types=tuple(types[t] for t in e["types"]),
            )
            for key, e in raw["licences"].items()
        }
    except KeyError as exc:
        raise ValueError(f"{MAPPING_FILE.name}: no code {exc.args[0]!r}") from None
    unknown = set(raw["licence_for_tier"].values()) - set(licences)
    if unknown:
        raise ValueError(f"{MAPPING_FILE.name}: no licence {sorted(unknown)}")
    return Authority(
        themes_by_topic=by_topic,
        frequencies=_frequencies(raw["frequencies"]),
        formats={
            fmt: FileFormat(_code("file-type", e["eu"], e["label"]), e["media_type"])
            for fmt, e in raw["formats"].items()
        },
        licences=licences,
        licence_keys_by_tier=dict(raw["licence_for_tier"]),
        access_rights={
            tier: _code("access-right", e["eu"], e["label"])
            for tier, e in raw["access_rights"].items()
        },
        language=_code("language", raw["language"]["eu"], raw["language"]["label"]),
        publisher_type=Code(
            f"{ADMS_PUBLISHER_TYPES}/{raw['publisher_type']['code']}",
            f"{ADMS_PUBLISHER_TYPES}/1.0",
            raw["publisher_type"]["label"],
        ),
        scheme_titles=dict(raw["scheme_titles"]),
    )


def _frequencies(raw: dict[str, dict]) -> dict[str, Frequency]:
    found = {}
    for key, entry in raw.items():
        frequency = Frequency(_code("frequency", entry["eu"], entry["label"]), entry["iso"])
        for name in (key, *entry["aliases"]):
            found[name.lower()] = frequency
    return found


@cache
def authority() -> Authority:
    """The mapping shipped with the portal (``eu_authority.toml``), parsed once."""
    return parse_authority(MAPPING_FILE.read_text(encoding="utf-8"))
