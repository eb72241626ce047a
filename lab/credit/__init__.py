"""Credit profiles for banks (DESIGN §8): consented, derived, audited — never raw records.

* ``vocabulary`` — purposes, scopes, product levels, consent states.
* ``terms``      — a consent's terms as a self-checking value; the credit-code check.
* ``signing``    — Ed25519 signatures over canonical JSON; receipts verified offline.
* ``parties``    — who acts for an enterprise or a bank.
* ``consent``    — grant, request, approve, reject, revoke, expire (audited).
* ``inputs``     — the credit inputs by meaning: fields, kinds, units, code lists, tiers.
* ``mapping``    — the source mapping (TOML): which dataset and columns feed each input.
* ``mapping_check`` — a mapping against the published versions' dictionaries and tiers.
* ``mapping_store`` — the mapping in force: shipped, or the newest steward revision.
* ``sources``    — each mapped input's published source, opened for one refresh.
* ``aggregates`` — per-enterprise sums and counts as of a date, in DuckDB (the only reader
  of raw rows).
* ``bands``      — bands, trends and rates instead of numbers.
* ``features``   — per-enterprise derived features, by scope and window.
* ``refresh``    — recompute and store every enterprise's features in one commit.
* ``binning``    — monotonic optimal bins and WoE of the scorecard's inputs (optbinning).
* ``scorecard``  — logistic regression on WoE (statsmodels), points, grades, reasons, vetoes.
* ``vintages``   — labelled loans and their point-in-time inputs (sources cut before each loan).
* ``validation`` — AUC/Gini, KS, calibration per score band, population stability index.
* ``training``   — train, validate out of sample and out of time, activate a version.
* ``model_card`` — a version's model card: window, samples, bins, figures, known limits.
* ``validation_report`` — the validation section of docs/credit.md.
* ``cards``      — who may read the model card (stewards; banks at ``report`` level).
* ``drift``      — ``datalab credit monitor``: PSI of today's population, recorded, alarmed.
* ``profiles``   — the profile one consent allows, from stored features; ``own_profile`` — the
  enterprise's own profile as a bank at ``report`` level would see it; ``item_names`` — every
  item, reason and band named in Chinese and English.
* ``access``     — a bank's request end to end: one denial answer, logged and audited.
* ``limits``     — per-bank/per-operator rate limits and caps, and alarms.
* ``history``    — the requests an enterprise sees about itself.
* ``disputes``   — disputes with a 20-day clock; ``repairs`` — credit-repair requests (信用修复),
  the steward's decision and its effect.
* ``outcomes``   — loan results banks report back.
"""
