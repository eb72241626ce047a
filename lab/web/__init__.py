"""The lab's server-rendered pages (Chinese), calling the same domain functions as the API.

* ``pages``         — templates, the signed-in steward and CSRF check, flash, inline errors.
* ``forms``         — a submitted DP-metadata form read into the domain's ``DpDeclaration``.
* ``signin``        — the steward's sign-in and sign-out pages.
* ``negative_list`` — the negative-list page: list, add, remove with a note.
* ``applications``  — conditional-data applications (clock, return / reject / approve) and the
  portal's suggestions and corrections with their answers.
* ``steward``       — queue, review and decision, DP metadata, publication, upload; its
  ``router`` (``/steward/…``, the two modules above included) is what the app mounts.
"""
