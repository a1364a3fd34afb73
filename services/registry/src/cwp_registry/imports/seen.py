"""The ID numbers met so far in one file, to reject a later row that repeats one.

An in-memory set grows with the file (1,000,000 rows held ~70 MB of digests), so each
chunk's digests are checked and added in one pass against an on-disk SQLite index in a
temporary directory: its memory is SQLite's page cache, bounded whatever the file's size.
Keys are the first 8 bytes of the ID number's keyed digest, as a signed 64-bit integer
(the table's rowid, the cheapest key SQLite has)."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

# SQLite's page cache for the index, in KiB (a negative cache_size is KiB).
CACHE_KIB = 2048


def key(digest: str) -> int:
    """The index key of a hex digest."""
    return int.from_bytes(bytes.fromhex(digest[:16]), "big", signed=True)


class SeenIds:
    """Used from one thread at a time (the job's reading thread, not always the same
    one: the connection does not check the thread)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="cwp-import-seen-", dir=directory)
        self._db = sqlite3.connect(
            Path(self._dir.name) / "seen.db", check_same_thread=False, isolation_level=None
        )
        for pragma in (
            f"cache_size=-{CACHE_KIB}",
            "journal_mode=OFF",
            "synchronous=OFF",
            "temp_store=FILE",
        ):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE seen (k INTEGER PRIMARY KEY)")
        self._db.execute("CREATE TABLE batch (k INTEGER PRIMARY KEY)")  # one chunk's keys

    def first_seen(self, keys: Iterable[int]) -> list[bool]:
        """For each key in order: True if neither an earlier call nor an earlier key of
        this call had it (and it is now recorded), False for a repeat."""
        keys = list(keys)
        self._db.execute("BEGIN")
        self._db.execute("DELETE FROM batch")
        self._db.executemany("INSERT OR IGNORE INTO batch (k) VALUES (?)", ((k,) for k in keys))
        earlier = {k for (k,) in self._db.execute("SELECT k FROM batch JOIN seen USING (k)")}
        answer = []
        fresh: set[int] = set()
        for k in keys:
            new = k not in earlier and k not in fresh
            answer.append(new)
            if new:
                fresh.add(k)
        self._db.executemany("INSERT INTO seen (k) VALUES (?)", ((k,) for k in sorted(fresh)))
        self._db.execute("COMMIT")
        return answer

    def close(self) -> None:
        self._db.close()
        self._dir.cleanup()

    def __enter__(self) -> SeenIds:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
