"""Reading a node's Prometheus exposition in tests."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

__all__ = ["find_zero_samples"]


def find_zero_samples(exposition: str) -> set[str]:
    """Names of the zkpov series (not the client's ``process_*``) with a sample at 0: a gauge
    or counter never moved, a histogram never observed (its ``_count``), a labelled series with
    some label still at 0 (named with its labels, as ``name{key=value}``)."""
    zero: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        if not family.name.startswith("zkpov_"):
            continue
        for sample in family.samples:
            if _counts(sample.name) and sample.value == 0:
                zero.add(_series(family.name, family.type) + _labels(sample.labels))
    return zero


def _counts(name: str) -> bool:
    """A sample that must be non-zero once the series moved (not buckets or sums)."""
    return not name.endswith(("_bucket", "_sum", "_created"))


def _labels(labels: dict[str, str]) -> str:
    inner = ",".join(f"{key}={value}" for key, value in sorted(labels.items()))
    return f"{{{inner}}}" if inner else ""


def _series(name: str, kind: str) -> str:
    return f"{name}_total" if kind == "counter" else name
