"""The open-data portal, a plug-in on top of the lab (DESIGN §3: it imports the lab, never back).

* ``portal``       — the domain: public catalogue, search, downloads, formats, rows, usage,
  DCAT/POD exports, rate limits.
* ``web``          — the edge: routes, pages, templates and static files.
* ``ckan``         — the CKAN-compatible Action API (its actions and its routes).
* ``vocabularies`` — the controlled vocabularies mapped onto the EU authority tables.
"""
