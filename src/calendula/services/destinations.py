"""Checking a user-given destination before it is saved (webhook subscriber URLs, CalDAV
servers, ICS feeds): resolve its host through the `HostResolver` port, then apply the domain's
rule (`domain.destinations.refusal`). With private targets allowed nothing is resolved (an
intranet name may not resolve from here; metadata endpoints written as an address or a known
name stay refused). Resolution is I/O: call this outside database transactions.
"""

from __future__ import annotations

from calendula.domain.destinations import Refused, ip_literal, refusal
from calendula.services.ports import HostResolver


def destination_refusal(
    resolver: HostResolver, host: str, *, allow_private: bool
) -> Refused | None:
    literal = ip_literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        addresses = [] if allow_private else resolver.resolve(host)
    return refusal(host, addresses, allow_private=allow_private)
