"""The open-data portal's domain: what it shows and serves, with no HTTP in it.

* ``catalogue``  — the public view of the catalogue: the only way portal code reads datasets;
  ``column_roles`` what each public column is for a chart (measure, identifier, coordinate, time).
* ``search``     — relevance-ranked search with facets, alike on SQLite and PostgreSQL;
  ``suggestions`` what to offer when a search finds nothing.
* ``downloads``  — each open format built once per publication and cached; ``formats`` writes
  CSV, JSON and XLSX from Parquet with bounded memory.
* ``rows``       — filtered, sorted, keyset-paginated reads of one open table.
* ``usage``      — live views and downloads per dataset; ``upsert`` the portable statements.
* ``dcat``, ``dcat_nodes``, ``pod`` — the catalogue as DCAT-AP JSON-LD and as POD ``data.json``.
* ``ratelimit``  — token buckets for the machine APIs.
"""
