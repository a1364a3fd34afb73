"""Benchmarks, each a script run by `make bench`; a package so that one may import
another's helpers (bench.consumers) and mypy maps every file to one module name."""
