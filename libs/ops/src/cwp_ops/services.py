"""The platform's services, in start order (the gateway last: it routes to the others),
and which of them are installed in this environment (an image holds one)."""

from __future__ import annotations

import importlib.util

from cwp_common.events.access import CONSUMERS

# Every service the permission table knows, the gateway last.
PLATFORM = [*(s for s in CONSUMERS if s != "gateway"), "gateway"]


def installed_services() -> list[str]:
    return [s for s in PLATFORM if importlib.util.find_spec(f"cwp_{s}") is not None]
