"""Model pages (HTML): placeholder replaced below."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pages"])
