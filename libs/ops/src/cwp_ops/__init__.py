"""The platform's operations command line, `cwp` (see cwp_ops.cli)."""
