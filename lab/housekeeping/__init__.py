"""Housekeeping: deleting what crashes leave behind, on demand and on a schedule.

* ``leftovers`` — one sweep over everything: every dataset's orphaned object-store folders
  (``catalogue.versions.orphans``) and Spark's unowned encrypted exports
  (``gateway.table_exports``), each only once older than the grace period; audited.
* ``turn``      — the lab-wide turn to sweep, so one process sweeps at a time (a PostgreSQL
  advisory lock, or a file lock in the data directory beside SQLite).
* ``schedule``  — the background thread of each ``datalab serve`` process that sweeps at start
  and then at an interval, and never lets a failure reach the server.
"""
