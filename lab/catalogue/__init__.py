"""The catalogue: what the lab holds and serves, in three rooms with one job each.

* ``versions``        — dataset versions from staging to publication: datasets, the steward's
  decisions, DP metadata, the classification guide and hierarchies in force, building and
  publishing artifacts by tier, withdrawal, the steward's queue and listing.
* ``t2_extracts``     — conditional (T2) data: the de-identified extract and its gate,
  de-identification, fingerprinted copies handed to applicants, signed manifests, tracing a
  leaked copy back to its download.
* ``portal_workflow`` — what the portal's visitors start: applications for T2 data, suggestions
  and corrections, and the working-day clock that times the answers.
* ``dictionary``      — a dataset's data dictionary: each column's description, unit and code
  list, read from a steward's CSV or JSON sidecar.
* ``spreadsheet``     — cells defused before they reach any CSV or XLSX file the lab writes.
"""
