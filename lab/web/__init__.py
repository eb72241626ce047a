"""The lab's server-rendered pages, calling the same domain functions as the API.

* ``pages``         — templates, the signed-in steward and CSRF check, flash, inline errors.
* ``forms``         — a submitted DP-metadata form read into the domain's ``DpDeclaration``.
* ``signin``        — the steward's sign-in and sign-out pages.
* ``negative_list`` — the negative-list page: list, add, remove with a note.
* ``applications``  — conditional-data applications (clock, return / reject / approve) and the
  portal's suggestions and corrections with their answers.
* ``datasets``      — the published datasets with versions and use, and withdrawing one.
* ``steward``       — queue, review and decision, DP metadata, publication, upload; its
  ``router`` (``/steward/…``, the modules above included) is what the app mounts.
* ``enterprise``    — the enterprise's consents, queries, disputes and repairs (``/enterprise/``).
* ``bank``          — the bank officer's consents, profile requests and limits (``/bank/``).
* ``credit``        — the steward's credit page: disputes, repair requests, alarms;
  ``own_profile_view`` — a served profile shaped for a page in its language.
* ``deidentification`` — the steward's de-identification forms on a T2 version's review page.
* ``projects``      — sandbox-project applications, approval with budgets, rejection.
* ``auditor``       — browse, filter, verify and export the audit log (``/auditor/``).
* ``homes``         — each role's sign-in page and home; ``role_pages`` — what the bank's and
  auditor's pages share (sign-in landing on one's own home, CSRF, two languages).
* ``language``      — the page's language (Chinese by default, ``?lang=en``, one cookie);
  ``steward_text`` — the steward pages' English labels and category names;
  ``classification_reasons`` — a stored classification reason said in either language;
  ``domain_messages`` — domain errors said in the page's language (one table).
* ``error_pages``, ``site_templates``, ``site`` — HTML error pages for browsers in the portal's
  style; ``/robots.txt``, the favicon, ``/home`` and the role chooser ``/sign-in``.
"""
