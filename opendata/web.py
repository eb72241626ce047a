"""The portal's router: every page and download route of the open-data portal, in one place.

The app discovers this router through the ``datalab.routers`` entry point. Page modules:
``pages`` (home, catalogue, dataset, department, API guide), ``download_routes`` (open files),
``applicant_pages`` (registration, conditional-data applications, extract downloads, usage
reports) and ``feedback_pages`` (意见建议 / 数据纠错).
"""

from __future__ import annotations

from fastapi import APIRouter

from opendata import download_routes

router = APIRouter()
router.include_router(download_routes.router)
