"""The JSON API: routers under ``/api/…`` and ``/auth``, and their request/response shapes.

* ``routes``  — one module per area (``auth``, ``steward``, ``deidentification``, ``gateway``,
  ``projects``, ``credit``, ``objects``, ``health``); each calls the domain, never a page.
* ``schemas`` — the pydantic shapes of requests and answers.
* ``docs``    — the OpenAPI page.

Shared plumbing (dependencies, the browser session, errors) is in ``lab.http``; the app is put
together in ``lab.app``.
"""
