"""Email: rendering (Jinja2 templates, gettext catalogues), calendar invites (icalendar) and
sending (SMTP, or .eml files in a folder) for the outbox's "email" jobs. See docs/notifications.md.
Imports the domain and the outbox values; never storage or services."""
