"""HTTP plumbing that the API's routes, the lab's pages and the portal all share.

* ``deps``            — FastAPI dependencies: services, a DB session, the caller, the rule
  confining sandbox tokens to the DP gateway.
* ``browser_session`` — the session cookie, whom it names, and CSRF (the forms' token and the
  cross-site rule for cookie-authenticated API calls): the one place to review.
* ``signin``          — the throttled, non-blocking password sign-in every form shares.
* ``params``          — database ids, an uploaded file's name, a posted form read once.
* ``downloads``       — one byte range of a file, and the name a download is saved as.
* ``errors``          — the one JSON error shape, or an HTML page for a browser.
* ``middleware``      — request ids and access logs.

Nothing here imports a route (``lab.api``) or a page (``lab.web``); ``lab.app`` composes them.
"""
