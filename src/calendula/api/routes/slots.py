"""Routes for /v2/slots (Cal.com API v2 compatible)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
