"""The faster forms the bulk import uses give exactly what the forms they replaced gave:
the ID number's normalisation, the statistics deltas of many workers at once, and the
row a new worker is written from."""

from __future__ import annotations

import random
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from cwp_registry.imports.xlsx import SharedStrings, Sheet
from cwp_registry.statistics import rules as stats
from cwp_registry.workers.exceptions import InvalidIdNumber
from cwp_registry.workers.models import NEW_WORKER_COLUMNS, Worker
from cwp_registry.workers.rules import parse_id_number
from tests.registry.helpers import id_number
from tests.registry.xlsx_files import write_shared_strings_xlsx

TODAY = date(2026, 6, 1)


def _ours(raw: str) -> str:
    """The normalised number, or the code of the check that refused it."""
    try:
        return parse_id_number(raw, TODAY).number
    except InvalidIdNumber as exc:
        return f"refused:{exc.errors[0]['code']}"


def _reference(raw: str) -> str:
    """The same through stdnum's compact and birth date, as before the ASCII fast path."""
    number = ric.compact(raw)
    if len(number) != 18:
        return "refused:length"
    if not (number[:17].isdigit() and number[:17].isascii() and number[17] in "0123456789X"):
        return "refused:format"
    if number[-1] != ric.calc_check_digit(number):
        return "refused:check-character"
    try:
        birth = ric.get_birth_date(number)
    except InvalidComponent:
        return "refused:date"
    if birth > TODAY:
        return "refused:future-date"
    return number


@pytest.mark.parametrize(
    "raw",
    [
        " 11010519491231002x ",
        "11010519491231002X",
        "110105 19491231 002X",  # inner spaces are not separators
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width: stdnum's map still applies
        "11010519491231002`",
        "110105194912310",
        "11010519491331002X",  # no 13th month
        "11010520491231002X",  # born in the future
    ],
)
def test_id_numbers_normalise_as_stdnum_does(raw: str) -> None:
    assert _ours(raw) == _reference(raw)


def test_random_ascii_numbers_normalise_as_stdnum_does() -> None:
    rng = random.Random(11)
    for _ in range(3_000):
        good = id_number(birth=date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1))
        raw = rng.choice(["", " ", "\t"]) + (good.lower() if rng.random() < 0.3 else good)
        if rng.random() < 0.5:
            i = rng.randrange(len(raw))
            raw = raw[:i] + rng.choice("0123456789Xx `-") + raw[i + 1 :]
        assert _ours(raw) == _reference(raw), raw


def _profile(code: str, rng: random.Random) -> stats.Profile | None:
    return stats.worker_profile(
        code,
        position=rng.choice(["full_time_worker", "secretary", "committee_member"]),
        employment_type=rng.choice(["labour_contract", "elected"]),
        status=rng.choice(["active", "on_leave", "exited"]),
        sex=rng.choice(["male", "female"]),
        education=rng.choice(["bachelor", "master"]),
        political_status="masses",
        birth_year=1960 + rng.randrange(40),
        qualification=rng.choice([None, "social_worker"]),
        grade=None,
    )


def test_many_profiles_at_once_count_as_one_by_one() -> None:
    rng = random.Random(3)
    codes = ["310101002001", "310101002002", "310104003001", "440103001001"]
    signed = [(_profile(rng.choice(codes), rng), rng.choice([1, -1])) for _ in range(500)]
    one_by_one: stats.Changes = Counter()
    for profile, sign in signed:
        old, new = (None, profile) if sign == 1 else (profile, None)
        # The per-profile form as it was: every item at every level, one step each (a day
        # row at every level, a month row above the community).
        for p, s in ((old, -1), (new, 1)):
            if p is None:
                continue
            for level, region in stats.regions_of(p.code):
                for dim, value, amount in p.items:
                    for grain, period in (
                        ("d", stats.day_of(TODAY)),
                        ("m", stats.month_of(TODAY)),
                    ):
                        if grain == "m" and level == stats.FINEST:
                            continue
                        one_by_one[(level, region, grain, period, dim, value)] += s * amount
    at_once: stats.Changes = Counter()
    stats.stock_changes_many(signed, TODAY, at_once)
    assert stats.nonzero(at_once) == stats.nonzero(one_by_one)
    assert stats.nonzero(at_once)  # something was counted


def test_stock_changes_of_a_change_cancel_what_stays() -> None:
    rng = random.Random(5)
    before = next(p for p in (_profile("310101002001", rng) for _ in range(50)) if p)
    after = stats.Profile(before.code, (*before.items[:-1], ("grade", "A", 1)))
    changes: stats.Changes = Counter()
    stats.stock_changes(before, after, TODAY, changes)
    moved = stats.nonzero(changes)
    assert {k[4] for k in moved} == {"grade"}
    # Old and new value; a day row at six levels, a month row at the five above the
    # community.
    assert len(moved) == 2 * (6 + 5)


def test_a_new_worker_row_names_every_column_a_registration_fills() -> None:
    stored = {c.name for c in Worker.__table__.columns}
    assert set(NEW_WORKER_COLUMNS) <= stored
    # Only what an exit fills later is left out.
    assert stored - set(NEW_WORKER_COLUMNS) == {"exit_reason", "exit_date", "exit_note"}


def test_the_xlsx_reader_gives_the_cells_openpyxl_gives(tmp_path: Path) -> None:
    """Strings (shared, inline, rich), numbers, dates in several formats, formulas,
    booleans, gaps between cells and rows, on both date systems."""
    for date1904 in (False, True):
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        wb.epoch = MAC_EPOCH if date1904 else WINDOWS_EPOCH
        ws.append(["姓名", "公民身份号码", "入职日期", None, "备注"])
        ws.append(["张三", "11010519491231002X", date(2021, 5, 1), 3, 2.5])
        ws.append(["李四", 110105194912310020, "2021-05-01", "=A2&B2", True])
        ws["C3"].number_format = "yyyy-mm-dd"
        ws.cell(row=5, column=3, value=datetime(2020, 2, 29)).number_format = 'yyyy"年"m"月"d"日"'
        ws.cell(row=5, column=5, value=CellRichText(["粗", TextBlock(InlineFont(b=True), "体")]))
        ws.cell(row=6, column=2, value=44197).number_format = "0"
        path = tmp_path / f"cells{int(date1904)}.xlsx"
        wb.save(path)

        sheet = load_workbook(path, read_only=True).active
        expected = [
            (n, tuple(r))
            for n, r in enumerate(sheet.iter_rows(values_only=True), start=1)
            if any(c is not None for c in r)
        ]
        with zipfile.ZipFile(path) as archive:
            got = [(n, cells) for n, cells in Sheet(archive).rows() if any(cells)]
        width = max(len(c) for _, c in expected + got)
        pad = [(n, c + (None,) * (width - len(c))) for n, c in got]
        assert pad == [(n, c + (None,) * (width - len(c))) for n, c in expected]


@pytest.mark.parametrize(("count", "chars"), [(0, 0), (3, 1_000), (1_000, 20), (1_000, 10**6)])
def test_shared_strings_past_the_bound_read_back_from_disk_as_they_were(
    tmp_path: Path, count: int, chars: int
) -> None:
    """The strings kept in memory, the ones spilled to the temporary file and the edge
    between them (an empty string, multi-byte text, a long string, a repeat) all come
    back as written; an index past the table is an IndexError (not-a-workbook)."""
    rng = random.Random(count + chars)
    values = ["", "社区工作者", "x" * 5_000, "社区工作者", "é\u20ac\U0001f600", " a "]
    values += [
        "".join(rng.choice("ab张李0 <&") for _ in range(rng.randrange(1, 12))) for _ in range(300)
    ]
    rows = [values[i : i + 3] for i in range(0, len(values), 3)]
    path = write_shared_strings_xlsx(tmp_path / "strings.xlsx", rows)
    strings = SharedStrings(count, chars)
    with zipfile.ZipFile(path) as archive:
        sheet = Sheet(archive, strings)
        try:
            got = [list(cells) for _, cells in sheet.rows()]
            assert len(strings) == len(set(values))
            spilled = len(strings) - len(strings.head)
            assert (spilled == 0) == ((count, chars) == (1_000, 10**6))
            with pytest.raises(IndexError):
                strings[len(strings)]
        finally:
            sheet.close()
    assert got == [r + [None] * (len(got[i]) - len(r)) for i, r in enumerate(rows)]
