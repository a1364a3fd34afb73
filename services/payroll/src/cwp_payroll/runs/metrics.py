"""Prometheus metrics of payroll runs, on the service's own registry (/metrics)."""

from __future__ import annotations

import contextlib

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class RunMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.payslips = Counter(
            "payroll_payslips_computed_total",
            "Payslips computed by this replica",
            registry=registry,
        )
        self.failures = Counter(
            "payroll_payslip_failures_total", "Workers a chunk could not pay", registry=registry
        )
        self.chunks = Counter(
            "payroll_chunks_computed_total", "Chunks computed by this replica", registry=registry
        )
        self.chunks_failed = Counter(
            "payroll_chunks_failed_total",
            "Chunks this replica gave up on after they kept failing",
            registry=registry,
        )
        self.chunk_seconds = Histogram(
            "payroll_chunk_seconds",
            "Time to compute and write one chunk",
            registry=registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.chunks_left = Gauge(
            "payroll_run_chunks_left", "Chunks of a run not yet done", ["run_id"], registry=registry
        )
        self.rate = Gauge(
            "payroll_run_payslips_per_second",
            "A run's payslips a second so far",
            ["run_id"],
            registry=registry,
        )
        self.eta = Gauge(
            "payroll_run_eta_seconds",
            "Estimated seconds until a run is done",
            ["run_id"],
            registry=registry,
        )

    def progress(self, run_id: str, left: int, rate: float, eta: float | None) -> None:
        if left <= 0:
            for g in (self.chunks_left, self.rate, self.eta):
                with contextlib.suppress(KeyError):
                    g.remove(run_id)
            return
        self.chunks_left.labels(run_id).set(left)
        self.rate.labels(run_id).set(rate)
        if eta is not None:
            self.eta.labels(run_id).set(eta)
