"""Adapters to the outside world other than the database: webhook delivery over HTTP, SMTP
mail, iCalendar, CalDAV and ICS feeds. They implement ports from `services.ports` and never
import `calendula.storage`.
"""
