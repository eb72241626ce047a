"""Conditional (T2) data: the de-identified extract, its fingerprinted copies, their manifests.

* ``extracts``          — the extract a T2 version publishes and the gate it must pass.
* ``deidentification``  — search the generalisation lattice, the steward's choice, the build.
* ``extract_downloads`` — a fingerprinted copy for an approved applicant.
* ``fingerprint``       — recipient fingerprints, and reading them back from a leaked table.
* ``manifests``         — the signed manifest travelling with every copy.
* ``column_choice``     — the columns an applicant may tick, from the data dictionary, and the
  check of a choice.
* ``tracing``           — naming the download a leaked file came from.
"""
