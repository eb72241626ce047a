"""Controlled vocabularies of the open-data portal.

* ``authority`` — ``eu_authority.toml`` parsed: the portal's topics, update frequencies, download
  formats and licences mapped onto the EU authority tables, IANA media types and licence IRIs.
"""

from opendata.vocabularies.authority import (
    Authority,
    Code,
    FileFormat,
    Frequency,
    Licence,
    authority,
    parse_authority,
)

__all__ = [
    "Authority",
    "Code",
    "FileFormat",
    "Frequency",
    "Licence",
    "authority",
    "parse_authority",
]
