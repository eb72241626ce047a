"""The classification guide as code and data: what tier a dataset belongs in, and why.

Pure: no web, database or file I/O of its own (it reads only its packaged guide file). The lab's
ingest hands it pandas frames of strings; it hands back a ``DatasetClassification``.

Modules, one job each:

* ``tiers`` — the five tiers, ordered by strictness; ``strictest``.
* ``guide`` (+ ``guide/guide.toml``, ``guide_text``) — the guide as a versioned, steward-editable
  data file: categories, levels, combination rules, small-cell threshold, negative list.
* ``checksums`` — check characters of GB 11643, GB 32100, GB 11714 and Luhn.
* ``validators``, ``personal_names`` — is a value a real identifier (or a personal name)?
* ``normalise`` — NFKC, float-corruption repair, header mojibake repair.
* ``profile``, ``detectors`` — per-column evidence (header cues, share of valid values) and the
  category it points to.
* ``scanner`` — identifiers embedded in free text, every row, prefiltered.
* ``rules`` — dataset rules: negative list, aggregate small cells, quasi-identifier combinations.
* ``engine`` — ``classify_frame``: all of the above, with reasons; ``findings`` — its result types.
* ``deidentify`` — drop, mask, keyed pseudonymisation, generalisation.
* ``anonymity`` — k-anonymity / l-diversity measurement and the gate for lowering a tier.
* ``hierarchies`` (+ ``guide/hierarchies.toml``) — generalisation hierarchies per
  quasi-identifier, steward-editable data beside the guide.
* ``lattice`` — the search for every minimal generalisation meeting k and l within a
  suppression limit, ranked by information loss; applying a chosen node.
* ``errors`` — ``ClassificationError`` and its subclasses ``GuideError``, ``GateFailed``.
"""

from classification.anonymity import AnonymityReport, gate, measure_anonymity
from classification.engine import classify_frame
from classification.errors import ClassificationError, GateFailed, GuideError
from classification.findings import ColumnFinding, DatasetClassification
from classification.guide import Category, CombinationRule, Guide, NegativeEntry, load_guide
from classification.scanner import IdentifierSpan, scan_text
from classification.tiers import Tier, strictest

__all__ = [
    "AnonymityReport",
    "Category",
    "ClassificationError",
    "ColumnFinding",
    "CombinationRule",
    "DatasetClassification",
    "GateFailed",
    "Guide",
    "GuideError",
    "IdentifierSpan",
    "NegativeEntry",
    "Tier",
    "classify_frame",
    "gate",
    "load_guide",
    "measure_anonymity",
    "scan_text",
    "strictest",
]
