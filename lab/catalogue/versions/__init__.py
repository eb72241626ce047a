"""Dataset versions, from a sealed staged table to a published (or withdrawn) artifact.

* ``datasets``        — catalogue entries: create or find a dataset, read a version.
* ``staged``          — the sealed staged table a version awaits its decision in.
* ``decisions``       — the steward's tier decision (confirm, raise, lower with a reason).
* ``dp_metadata``     — the DP metadata declared for restricted (T3/T4) versions.
* ``guide_store``     — the classification guide in force; negative-list edits.
* ``hierarchy_store`` — the generalisation hierarchies in force.
* ``bounding_seed``   — the secret seed choosing rows kept for over-limit privacy units.
* ``artifacts``       — what a publication stores, by tier.
* ``publishing``      — publishing a decided version atomically.
* ``orphans``         — sweeping the object-store folders crashed publications left.
* ``withdrawal``      — withdrawing a published dataset everywhere at once.
* ``version_queries`` — the steward's queue and one version under review.
* ``listing``         — published datasets with their versions and use.
"""
