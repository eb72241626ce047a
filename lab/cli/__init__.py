"""``datalab``: ``main`` assembles the command groups, one module per group; ``context`` opens
settings and services and turns lab errors into one line; ``__main__`` runs it as
``python -m lab.cli``.

* ``accounts`` — ``datalab user``, ``org`` and ``token``; ``org_budgets`` — ``datalab org budget``.
* ``catalogue`` — ``datalab classify``, ``ingest`` and ``dataset``; ``deidentify`` — ``datalab
  dataset deidentify``; ``trace`` — name the download a leaked file came from.
* ``projects`` — ``datalab project``: sandbox project applications, decisions, budgets.
* ``credit`` — ``datalab credit``: refresh, train, verify, expire; ``credit_sources`` — the
  credit source mapping.
* ``audit`` — verify, checkpoint and read the audit log; ``keys`` — encryption and signing keys.
* ``database`` — ``datalab db``: migrations; ``serve`` — the HTTP app under uvicorn; ``demo`` —
  the demo city, its logins, then serve; ``sweep`` — delete what crashes left behind.
"""
