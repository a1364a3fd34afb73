"""The Prometheus alerting rules (deploy/k8s/base/monitoring/cwp-alerts.yaml): well
formed, every metric an expression names is one the code really exports (read from
the services' own metric objects, rendered as Prometheus scrapes them) or one of the
two documented outside sources, every alert is explained in deploy/README.md, and the
overlays ship the file unchanged. No promtool wheel exists; every expression is parsed
and type-checked by promql-parser (a wheel of the Rust PromQL parser GreptimeDB uses),
which also gives the metric names from the parsed tree rather than from the text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest

from cwp_common.events.metrics import Backbone, BackboneCollector, ConsumerLag
from cwp_common.web import Metrics
from cwp_payroll.runs.metrics import RunMetrics
from tests.deploy.test_k8s import objects

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy/k8s/base/monitoring/cwp-alerts.yaml"
README = (ROOT / "deploy/README.md").read_text(encoding="utf-8")
# Not the platform's: Prometheus's own, and prometheus-nats-exporter -varz.
OUTSIDE = re.compile(r"^(up|gnatsd_varz_jetstream_(stats_storage|config_max_storage))$")
REQUIRED = {
    "service down": "CwpServiceDown",
    "5xx ratio": "CwpHighErrorRate",
    "p99 latency": "CwpSlowRequests",
    "outbox backlog/age": "CwpOutboxBacklog",
    "consumer lag": "CwpConsumerLag",
    "dead letters": "CwpDeadLettersGrowing",
    "payroll run stalled": "CwpPayrollRunStalled",
    "JetStream storage": "CwpNatsJetStreamStorage",
}


def rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


def exported() -> set[str]:
    """Every series name the services expose, from their own metric objects."""
    registry = CollectorRegistry()
    web = Metrics("payroll")
    web.requests.labels("payroll", "GET", "/x", "500").inc()
    web.latency.labels("payroll", "/x").observe(0.2)
    backbone = BackboneCollector("career")
    backbone.reading = Backbone(
        outbox_pending=1,
        outbox_oldest_age_seconds=2.0,
        dead_letters={"career-workers": 1},
        consumers={"career-workers": ConsumerLag(3, 4.0, 0)},
    )
    backbone.register(registry)
    RunMetrics(registry).progress("run-1", 3, 10.0, 60.0)
    text = generate_latest(web.registry).decode() + generate_latest(registry).decode()
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line[:1] != "#"}


def parsed(expr: str) -> promql_parser.Expr:
    """The expression parsed and type-checked (ValueError names what is wrong)."""
    return promql_parser.parse(expr)


def metric_names(expr: str) -> set[str]:
    """The metric names of a PromQL expression: every vector selector in its tree."""
    names: set[str] = set()

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            # A selector by labels alone names no metric that could be checked.
            assert node.name is not None, f"a selector without a metric name: {node}"
            names.add(node.name)

    promql_parser.walk(parsed(expr), visit)
    return names


def test_every_alert_expression_is_valid_promql_giving_an_instant_vector() -> None:
    """Prometheus alerts on an instant vector: a range, a subquery or a bare number
    would be refused when the rules load (or fire for ever)."""
    not_instant = (
        promql_parser.MatrixSelector,
        promql_parser.SubqueryExpr,
        promql_parser.NumberLiteral,
        promql_parser.StringLiteral,
    )
    assert rules()
    for rule in rules():
        try:
            expr = parsed(rule["expr"])
        except ValueError as exc:
            raise AssertionError(f"{rule['alert']}: {exc}") from None
        assert not isinstance(expr, not_instant), rule["alert"]


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ("rat(http_requests_total[5m]) > 0", "unknown function"),
        ("rate(http_requests_total) > 0", "expected type matrix"),
        ("sum by (service (rate(up[5m]))", "parenthesis"),
        ('up{job="x" == 0', "braces"),
        ("histogram_quantile(sum(rate(x_bucket[5m])))", "argument"),
        ("up >", "invalid"),
    ],
)
def test_a_broken_expression_is_refused(expr: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parsed(expr)


def test_the_rule_names_parse_and_find_the_metrics_the_code_exports() -> None:
    assert metric_names(
        'sum by (service) (rate(http_requests_total{status=~"5.."}[5m])) / up > 0.01'
    ) == {"http_requests_total", "up"}
    have = exported()
    assert {"http_request_duration_seconds_bucket", "cwp_outbox_pending_events",
            "cwp_consumer_oldest_unapplied_age_seconds", "payroll_run_chunks_left"} <= have  # fmt: skip
    for rule in rules():
        names = metric_names(rule["expr"])
        assert names, rule["alert"]
        unknown = {n for n in names if n not in have and not OUTSIDE.match(n)}
        assert not unknown, f"{rule['alert']} names metrics nothing exports: {unknown}"


def test_a_misspelt_metric_would_be_caught() -> None:
    have = exported()
    assert "cwp_outbox_pending_event" not in have
    assert "http_request_duration_seconds" not in have  # only its _bucket, _sum, _count


def test_every_required_alert_exists_is_complete_and_explained() -> None:
    found = {rule["alert"]: rule for rule in rules()}
    assert len(found) == len(rules())  # names are unique
    assert set(REQUIRED.values()) <= set(found)
    for name, rule in found.items():
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"], name
        assert rule["annotations"]["description"], name
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s")), name
        assert f"| {name} |" in README, f"{name} is not in deploy/README.md's alert table"


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_the_overlays_ship_the_rule_file_unchanged(overlay: str) -> None:
    (config,) = [c for c in objects(overlay, "ConfigMap")
                 if c["metadata"]["name"] == "cwp-prometheus-rules"]  # fmt: skip
    assert config["metadata"]["labels"]["prometheus-rules"] == "cwp"
    assert config["data"]["cwp-alerts.yaml"] == RULES.read_text(encoding="utf-8")
