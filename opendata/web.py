"""The portal's router: every page and download route of the open-data portal, in one place.

The app discovers this router through the ``datalab.routers`` entry point. Modules:
``pages`` (home, catalogue, dataset, departments, API guide, 意见建议 / 数据纠错),
``download_routes`` (open files), ``applicant_pages`` (registration, conditional-data
applications, extract downloads, usage reports). Shared rendering is in ``rendering``, the two
languages in ``i18n``, charts in ``charts``.
"""

from __future__ import annotations

from fastapi import APIRouter

from opendata import applicant_pages, download_routes, pages

router = APIRouter()
router.include_router(download_routes.router)
router.include_router(pages.router)
router.include_router(applicant_pages.router)
