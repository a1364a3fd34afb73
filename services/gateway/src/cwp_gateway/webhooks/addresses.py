"""No server-side request forgery: outside dev, a webhook URL must be https and every
address its host resolves to must be public. Checked when subscribing, and again at each
delivery by the resolver the delivery's connection uses (so a name that later resolves to
an inside address, DNS rebinding, is refused at connect time, and the address checked is
the address connected to). Redirects are not followed. In dev, anything goes, for trials
against a receiver on the same machine."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(Exception):
    """Why the URL may not be called; never holds more than the host given."""


def forbidden(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def check_shape(url: str, dev: bool) -> str:
    """The URL's host; RefusedAddress when the URL is not one we would call."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedAddress("the URL is not valid") from None
    allowed = ("http", "https") if dev else ("https",)
    if parts.scheme not in allowed:
        raise RefusedAddress(f"the URL's scheme must be {' or '.join(allowed)}")
    if not parts.hostname:
        raise RefusedAddress("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress("the URL may not carry credentials")
    if parts.fragment:
        raise RefusedAddress("the URL may not have a fragment")
    if port == 0:
        raise RefusedAddress("the URL's port is not valid")
    return parts.hostname


def literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


async def check_url(url: str, dev: bool) -> None:
    """Refuse a URL whose host is, or resolves to, an inside address (outside dev)."""
    host = check_shape(url, dev)
    if dev:
        return
    address = literal(host)
    if address is not None:
        if forbidden(address):
            raise RefusedAddress(f"{host} is not a public address")
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        raise RefusedAddress(f"{host} does not resolve") from None
    for info in infos:
        if forbidden(ipaddress.ip_address(info[4][0])):
            raise RefusedAddress(f"{host} resolves to an address that is not public")


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing (outside dev) names that resolve to inside addresses."""

    def __init__(self, dev: bool) -> None:
        self._dev = dev
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not self._dev:
            for r in results:
                if forbidden(ipaddress.ip_address(r["host"])):
                    raise RefusedAddress(f"{host} resolves to an address that is not public")
        return results

    async def close(self) -> None:
        await self._inner.close()
