"""The portal's edge: its routes, pages and templates; ``router`` gathers the pages and downloads.

The app discovers ``router`` (and ``api_routes.router``, ``dcat_routes.router``) through the
``datalab.routers`` entry points. Modules:

* ``pages``           — home, catalogue, dataset, departments, API guide, licence.
* ``feedback_pages``  — 意见建议 / 数据纠错, and reading the answer by number and code.
* ``info_pages``      — about, contact, privacy and terms.
* ``download_routes`` — open files, with Range, ETag and checksums.
* ``applicant_pages`` — registration, conditional-data applications, extract downloads, usage
  reports.
* ``api_routes``      — the portal's JSON API (search, dataset, rows); ``api_deps`` the caller
  and its rate limit.
* ``dcat_routes``     — ``/catalog.jsonld``, ``/themes.jsonld``, ``/data.json``.
* ``rendering``       — templates, language, the signed-in visitor, CSRF (through
  ``lab.http.browser_session``); ``i18n`` the two languages (``names_en`` the English names of
  topics and departments); ``highlight`` marks search terms; ``charts`` inline SVG charts.

The portal's domain (search, downloads, formats, rows, usage) is in ``opendata.portal``.
"""

from __future__ import annotations

from fastapi import APIRouter

from opendata.web import applicant_pages, download_routes, feedback_pages, info_pages, pages

router = APIRouter()
router.include_router(download_routes.router)
router.include_router(pages.router)
router.include_router(applicant_pages.router)
router.include_router(feedback_pages.router)
router.include_router(info_pages.router)
