"""Who may create or change which account, how failed sign-ins slow a guesser down, and
which address a request comes from. Pure functions over plain values."""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cwp_common.auth import Role


def region_within(region: str, scope: str) -> bool:
    """A region lies within a scope when the scope's code is its prefix ("" is national)."""
    return region.startswith(scope)


def roles_not_held(granted: Iterable[str], held: Iterable[str]) -> list[str]:
    """The roles in `granted` the granter does not hold itself, sorted."""
    return sorted(set(granted) - set(held))


def is_national_admin(roles: Iterable[str], region: str, disabled: bool) -> bool:
    """An account that can still administer the whole country."""
    return not disabled and region == "" and Role.ADMIN in set(roles)


@dataclass(frozen=True)
class Throttle:
    """Growing delays for failed sign-ins, per (name, client address), as OWASP's
    authentication guidance recommends instead of locking the account: the first
    `free_failures` in a row cost nothing (typos), each later one doubles the wait from
    `base_delay` up to `max_delay`. A streak older than `window` is forgotten, and so is
    one that ends in a success. Every `alarm_every` failures of one name (all addresses
    together, within the window) write an alarm to the audit log."""

    free_failures: int
    base_delay: int
    max_delay: int
    window_seconds: int
    alarm_every: int

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.window_seconds)

    def delay_after(self, failures: int) -> int:
        """Seconds this (name, address) must wait after its `failures`-th failure."""
        over = failures - self.free_failures
        if over <= 0:
            return 0
        # Capped before the power, so a long streak cannot build a huge integer.
        return min(self.max_delay, self.base_delay << min(over - 1, 32))

    def alarms(self, failures_of_name: int) -> bool:
        return failures_of_name > 0 and failures_of_name % self.alarm_every == 0


def login_key(login: str) -> str:
    """The failure counter's key for a name: its SHA-256, hex. Fixed width whatever the
    client sends, and a password typed into the username field is not stored in clear."""
    return hashlib.sha256(login.encode("utf-8", "surrogatepass")).hexdigest()


def retry_after(blocked_until: datetime, now: datetime) -> int:
    """Whole seconds until the wait ends, rounded up and at least 1 (for Retry-After)."""
    return max(1, math.ceil((blocked_until - now).total_seconds()))


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Trusted proxies as addresses or CIDR blocks; ValueError names a bad entry."""
    return tuple(ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip())


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_address(peer: str, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The address a request comes from. The TCP peer, unless the peer is a trusted proxy:
    then X-Forwarded-For is read from the right, skipping trusted proxies, and the first
    other address is the client. Anyone can write that header, so it is believed only as
    far as the chain of trusted proxies reaches."""
    if not forwarded_for or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # a forged or broken entry: fall back to what we know
    return hops[0] if hops else peer
