"""The lab's server-rendered pages (Chinese), calling the same domain functions as the API.

* ``pages``   — templates, the signed-in steward with its CSRF token, flash messages, redirects.
* ``forms``   — turning a submitted DP-metadata form into the domain's ``DpDeclaration``.
* ``steward`` — the steward's pages under ``/steward/…``: sign-in, queue, review and decision,
  DP metadata, publication, upload, negative list. Its ``router`` is what the app includes.
"""
