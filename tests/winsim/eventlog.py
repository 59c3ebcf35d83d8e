"""The simulator's JSON-lines event log: one line per executed command and per injected fault.

Callers pass only what they mean to log; nothing here ever sees a password or an HTTP header.
"""

from __future__ import annotations

import datetime
import json
import threading
from pathlib import Path
from typing import Any


def utc_now() -> str:
    """Return the current UTC time in ISO 8601 with microseconds."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class EventLog:
    """Append-only JSON-lines file; a no-op without a path. Thread-safe."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()

    def write(self, event: dict[str, Any]) -> None:
        """Append ``event`` (with a ``ts`` first) as one line; the file is opened per write so rotation works."""
        if self._path is None:
            return
        line = json.dumps({"ts": utc_now(), **event}, ensure_ascii=False, default=str, separators=(",", ":"))
        with self._lock, open(self._path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
