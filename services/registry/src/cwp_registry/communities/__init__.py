"""Communities (社区), keyed by the 12-digit statistical division code."""
