"""Where outbound requests may go: which IP addresses and host names a server must not call.

Owns: the pure classification behind the SSRF rule (`refusal`, used for webhooks, CalDAV
servers and ICS feeds, when an address is saved and again when it is connected to). A host
that is, or resolves to, a loopback, link-local, private (RFC 1918, unique-local), shared (CGNAT),
unspecified, multicast, reserved or otherwise not globally routable address is *private*; the
cloud instance-metadata endpoints (169.254.169.254, fd00:ec2::254, metadata.google.internal)
are *metadata* targets. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are judged as the IPv4
address they carry. Name resolution is I/O and happens elsewhere (the `HostResolver` port);
these functions take its answer. Imports only the standard library.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog"})
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


def normalise_host(host: str) -> str:
    """Lower case, without IPv6 brackets or the root label's trailing dot."""
    return host.strip().strip("[]").rstrip(".").lower()


def ip_literal(host: str) -> IpAddress | None:
    """The address when `host` is written as one (`10.0.0.1`, `::1`, `[::1]`), else None."""
    try:
        address = ipaddress.ip_address(normalise_host(host).split("%", 1)[0])
    except ValueError:
        return None
    return _unmapped(address)


def _unmapped(address: IpAddress) -> IpAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _parsed(address: str | IpAddress) -> IpAddress | None:
    if not isinstance(address, str):
        return _unmapped(address)
    return ip_literal(address)


def is_private_address(address: str | IpAddress) -> bool:
    """True for every address that is not a public unicast one (text that is no address
    counts as private: refusing is the safe answer)."""
    ip = _parsed(address)
    if ip is None:
        return True
    return (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
        or not ip.is_global
    )


def is_metadata_target(host: str, addresses: Iterable[str | IpAddress] = ()) -> bool:
    """True when `host` names a cloud metadata service, or it or any of `addresses` is one
    of their addresses."""
    if normalise_host(host) in METADATA_HOSTS:
        return True
    literal = ip_literal(host)
    candidates = [literal] if literal is not None else []
    candidates += [ip for ip in map(_parsed, addresses) if ip is not None]
    return any(ip in METADATA_ADDRESSES for ip in candidates)


def first_private(addresses: Iterable[str | IpAddress]) -> str | None:
    """The first private address among `addresses` (as text), or None when all are public."""
    for address in addresses:
        if is_private_address(address):
            return str(address)
    return None


class Refusal(StrEnum):
    METADATA = "metadata"
    UNRESOLVED = "unresolved"
    PRIVATE = "private"


@dataclass(frozen=True, slots=True)
class Refused:
    """Why a destination is refused; `address` is the private address found (PRIVATE)."""

    reason: Refusal
    address: str | None = None


def refusal(host: str, addresses: Sequence[str], *, allow_private: bool) -> Refused | None:
    """The one rule for every outbound request a user can aim (webhooks, calendars, feeds):
    metadata endpoints are refused always; unless `allow_private`, so are hosts that resolve
    to nothing and hosts with any private address. `addresses` is what `host` resolves to
    (with `allow_private` callers may skip resolving and pass the literal address or none).
    None: the destination may be called."""
    if is_metadata_target(host, addresses):
        return Refused(Refusal.METADATA)
    if allow_private:
        return None
    if not addresses:
        return Refused(Refusal.UNRESOLVED)
    private = first_private(addresses)
    return None if private is None else Refused(Refusal.PRIVATE, private)
