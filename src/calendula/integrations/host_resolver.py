"""Name resolution through the operating system (`socket.getaddrinfo`).

Owns: `SystemResolver` (port `services.ports.HostResolver`): the addresses a host name resolves
to, as the system resolver (hosts file, DNS) answers, IPv4 and IPv6. Blocks for the resolver's
own timeout; callers keep it out of database transactions.
"""

from __future__ import annotations

import socket


class SystemResolver:
    def resolve(self, host: str) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError, ValueError):  # gaierror is an OSError
            return []
        addresses: dict[str, None] = {}
        for _family, _type, _proto, _canonname, sockaddr in infos:
            address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone (fe80::1%eth0)
            addresses[address] = None
        return list(addresses)
