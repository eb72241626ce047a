"""Deterministic, seeded synthetic city data covering every tier, for demos, tests and benchmarks.

Public: ``generate_demo_data(out_dir, *, scale, seed, progress) -> DemoManifest`` and the
manifest types ``DemoManifest``, ``DemoDataset``, ``DPHints``.

Modules, one job each:

* ``generate``: one run — seeded streams, build every table, write files and ``manifest.json``.
* ``manifest``: the frozen description of each file (catalogue fields, tier, format, DP hints).
* ``writer``: byte-reproducible CSV (UTF-8, BOM, GBK), XLSX and Parquet output;
  ``local_files``: the written files by dataset id, UTF-8 throughout, for reading in place.
* ``timeline``: the fixed as-of date, the 24 data months, seeded dates.
* ``names`` / ``identifiers``: Chinese names and addresses; credit codes, ID numbers, mobiles.
* ``firms``: the enterprise population and its latent health; ``monthly``: the firm-month panel.
* T1 ``transit`` (bus routes, stops), ``air`` (hourly air quality), ``register`` (enterprise
  register), ``licences`` and ``shuanggongshi`` (双公示 licences and penalties, plus the
  natural-person trap); ``penalties`` draws the decisions shared with the credit file.
* T1 ``open_places`` (lists of places: stations, schools, hospitals, parks …) and ``open_series``
  (multi-year city statistics: ridership, weather, water, farming, prices, economy), both drawn
  by ``open_city`` (``OpenSpec``: catalogue facts, data dictionary, rows from a seeded stream).
* T2 ``annual`` (banded annual-report details).
* T3 ``tax``, ``payroll`` (social insurance, housing fund), ``utilities``, ``customs``.
* T4 ``credit`` (penalty records, tax grades, abnormal operations), ``judicial`` (court cases,
  dishonest debtors), ``loans`` (default labels), ``persons`` (person-level identifiers).
* T5 ``prohibited`` (password hashes and fingerprint templates).

(``accounts``, the demo's organisations and logins, ``projects``, its approved sandbox projects,
and ``credit_journey``, its refreshed profiles, trained scorecard and granted consent, belong to
the platform set-up, not to the data generator.)
"""

from lab.demo.generate import generate_demo_data
from lab.demo.manifest import DemoDataset, DemoManifest, DPHints

__all__ = ["DPHints", "DemoDataset", "DemoManifest", "generate_demo_data"]
