"""Calendula: a self-hostable scheduling platform with a Cal.com API v2 compatible HTTP API."""

__version__ = "0.1.0"
