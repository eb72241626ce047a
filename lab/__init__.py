"""City Data Lab: the lab's server, command line and domain packages.

* ``api`` (HTTP routes and schemas), ``web`` (the role pages), ``cli`` (``datalab``);
* ``catalogue`` (datasets, versions, publishing, T2 extracts), ``ingest`` (reading and staging
  uploads), ``gateway`` (differentially private queries and budgets), ``credit`` (credit
  profiles and consents), ``identity`` (users, organisations, tokens), ``audit`` (the
  hash-chained log and its checkpoints);
* ``crypto`` (encryption at rest), ``signing`` (signing keys of manifests and receipts),
  ``storage`` (object stores), ``db`` (models and migrations), ``demo`` (the demo data);
* ``publication`` (the per-unit cut of restricted publications), ``reference`` (public code
  lists, the public domains of DP group keys), ``housekeeping`` (sweeping what crashes leave
  behind, on demand and on a schedule);
* ``app`` (the composition root that builds the HTTP app) and ``http`` (the plumbing routes,
  pages and the portal share);
* ``services`` opens them all from ``settings``; ``settings_doc`` renders the README's settings
  table; ``errors`` is the one error hierarchy;
  ``form_rules`` states each rule of people's form entries once (hint, HTML check, server check);
* small shared parts: ``clock`` (the one wall clock and the city's zone), ``sql_text`` (quoting
  names and strings into DuckDB SQL), ``logs`` (JSON logs, secrets scrubbed), ``private_files``
  (0700/0600 checks), ``durability`` (fsync of folders).
"""
