"""Use cases (find slots, book, reschedule, cancel, accounts, ...) and the ports they need.

Services take plain values and return domain dataclasses. They depend on the ports in
`services.ports`, never on storage, integrations or entry points.
"""
