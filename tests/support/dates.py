"""Dates that stay true for the whole run of the suite.

The services' today is China's (UTC+8), and it moves on at 16:00 UTC. A date computed
when a test module is imported may be tested an hour later: "tomorrow" taken before
midnight in China is today after it. A date meant to be in the future is therefore taken
two days ahead, which stays in the future for any run shorter than a day."""

from __future__ import annotations

from datetime import timedelta

from cwp_common.clock import today_in_china

FUTURE = today_in_china() + timedelta(days=2)
