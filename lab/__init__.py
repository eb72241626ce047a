"""City Data Lab: the lab's server, command line and domain packages.

* ``api`` (HTTP routes and schemas), ``web`` (the role pages), ``cli`` (``datalab``);
* ``catalogue`` (datasets, versions, publishing, T2 extracts), ``ingest`` (reading and staging
  uploads), ``gateway`` (differentially private queries and budgets), ``credit`` (credit
  profiles and consents), ``identity`` (users, organisations, tokens), ``audit`` (the
  hash-chained log and its checkpoints);
* ``crypto`` (encryption at rest), ``signing`` (signing keys of manifests and receipts),
  ``storage`` (object stores), ``db`` (models and migrations), ``demo`` (the demo data);
* ``services`` opens them all from ``settings``; ``errors`` is the one error hierarchy;
  ``form_rules`` states each rule of people's form entries once (hint, HTML check, server check).
"""
