"""Streamed: an import's memory stays flat with the file's size. The job's reading and
checking (everything of it that grows with the file: the shared-strings table, the ID
numbers met so far) is run over a file ten times the size of another, and its peak of
Python allocations compared. Before the shared strings spilled to disk and the ID
numbers went to an on-disk index, the larger file's peak was several MB higher."""

from __future__ import annotations

import csv
import gc
import tracemalloc
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from cwp_common.auth import Principal
from cwp_registry.config import Settings
from cwp_registry.imports import runner, xlsx
from cwp_registry.imports.columns import COLUMNS
from cwp_registry.imports.reader import open_table
from cwp_registry.imports.seen import SeenIds
from cwp_registry.pii import PiiCipher
from cwp_registry.workers.schemas import WorkerCreate
from tests.registry.xlsx_files import write_shared_strings_xlsx
from tests.support.ids import resident_id

OPERATOR = Principal("t", "user", frozenset({"operator", "pii"}), "")
CHUNK = 500
SMALL, LARGE = 2_000, 12_000
# Allowed growth of the peak from the small file to the large one. The old forms grew by
# ~70 B a row for the ID numbers met and ~75 B a string for the shared strings: 700 KB
# (csv) and 2 MB (xlsx) over the 10,000 rows between the two files.
TOLERANCE = 400 * 1024


def _warm_up() -> None:
    """pydantic-core keeps a bounded cache of the strings it validated (about 1 MB once
    full): filled first, under tracemalloc, so that its entries replaced later are seen
    freed as well as allocated and the cache is not counted against the file."""
    for i in range(40_000):
        WorkerCreate.model_validate(
            {
                "name": f"预热{i}",
                "id_number": f"{i:018d}",
                "community_code": "310101002001",
                "position": "full_time_worker",
                "hire_date": date(2021, 5, 1),
            }
        )


def _rows(n: int) -> list[list[object]]:
    """n people, each with a name and an ID number of their own (two new shared strings a
    row, as in a real file), every 10th row repeating an earlier row's ID number."""
    rows: list[list[object]] = [[c.header for c in COLUMNS[:5]]]
    for i in range(n):
        person = i - 7 if i % 10 == 9 else i
        number = resident_id("310101", date(1975, 1, 1) + timedelta(days=person // 1000), person)
        rows.append([f"职工{i:07d}", number, "310101002001", "full_time_worker", date(2021, 5, 1)])
    return rows


def _xlsx(path: Path, n: int) -> Path:
    return write_shared_strings_xlsx(path.with_suffix(".xlsx"), _rows(n))


def _csv(path: Path, n: int) -> Path:
    path = path.with_suffix(".csv")
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        for r in _rows(n):
            w.writerow([v.isoformat() if isinstance(v, date) else v for v in r])
    return path


def _check_all(path: Path, kind: str, tmp: Path) -> tuple[int, int, int]:
    """(peak bytes above the start, rows passed, rows rejected as duplicates) of the
    job's checks, tracemalloc running."""
    pii = PiiCipher.from_settings(Settings())
    job = runner.Job(uuid.uuid4(), path, kind, OPERATOR, False, CHUNK, 10**7)
    passed = duplicates = 0
    gc.collect()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    with open_table(path, kind, estimate=False) as table, SeenIds(tmp) as seen:
        checks = runner.Checks(job, pii, table, seen)
        while (prepared := checks.next()) is not None:
            passed += len(prepared.checked)
            duplicates += sum(r["reason"] == "duplicate-in-file" for r in prepared.rejections)
            del prepared
    _, peak = tracemalloc.get_traced_memory()
    return peak - before, passed, duplicates


@pytest.mark.parametrize(("kind", "write"), [("xlsx", _xlsx), ("csv", _csv)])
def test_memory_stays_flat_with_the_file_size(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    write: Callable[[Path, int], Path],
) -> None:
    # A bound below the small file's strings, so both files spill (the default bound is
    # larger; what is tested is that past it nothing grows).
    monkeypatch.setattr(xlsx, "STRINGS_IN_MEMORY", 2_000)
    small = write(tmp_path / "small", SMALL)
    large = write(tmp_path / "large", LARGE)
    tracemalloc.start()
    try:
        _warm_up()
        _check_all(small, kind, tmp_path)  # what a first run allocates once
        small_peak, small_passed, small_dups = _check_all(small, kind, tmp_path)
        large_peak, large_passed, large_dups = _check_all(large, kind, tmp_path)
    finally:
        tracemalloc.stop()
    # Every duplicate found, across chunks too (row i repeats row i - 7).
    assert (small_passed, small_dups) == (SMALL - SMALL // 10, SMALL // 10)
    assert (large_passed, large_dups) == (LARGE - LARGE // 10, LARGE // 10)
    assert large_peak - small_peak < TOLERANCE, (small_peak, large_peak)
