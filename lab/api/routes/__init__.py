"""The lab's HTTP routers, one module per resource; ``lab.app`` mounts them all.

* ``auth``              — web sign-in and sign-out (``/auth/…``): the HttpOnly session cookie.
* ``steward``           — ``/api/steward/…``: ingest, review, decide, DP metadata, publish, the
  negative list.
* ``deidentification``  — ``/api/steward/…`` de-identification of T2 versions: search, choose, read.
* ``projects``          — sandbox projects, their decisions and organisations' budgets.
* ``gateway``           — ``/api/gateway/…``: the DP gateway for sandbox kernels.
* ``credit``            — ``/api/credit/…``: profiles for banks, consents and disputes for
  enterprises.
* ``objects``           — ``GET /objects/{key}``: a local object for a signed, unexpired link.
* ``signing_keys``      — ``/.well-known/jwks.json``: every public signing key of the lab.
* ``health``            — ``/healthz``: the lab, its database and its object store reachable.
"""
