"""A stand-in fleet whose hosts echo what they receive: for tests of the WinRM transport alone.

It implements the same ``get``/``names``/``execute`` interface as ``tests.winsim.fleet`` and
``tests.winsim.host``, without any registry, so transport tests can assert exact bytes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EchoResult:
    """Same fields as ``tests.winsim.host.ExecResult``."""

    stdout: bytes
    stderr: bytes
    exit_code: int
    log: dict[str, Any]


@dataclass
class EchoCall:
    """One recorded ``execute`` call."""

    command: str
    arguments: list[str]
    stdin: bytes
    fail_write_at: int | None


@dataclass
class EchoHost:
    """A host whose stdout is ``OUT:<command line>\\n`` followed by its stdin.

    stderr is ``ERR:<fail_write_at>``; the exit code is the last argument of command ``exit``
    (``exit 3`` exits 3), else 0.
    """

    name: str
    calls: list[EchoCall] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def execute(
        self, command: str, arguments: list[str], stdin: bytes, *, fail_write_at: int | None = None
    ) -> EchoResult:
        """Record the call and echo it back."""
        with self._lock:
            self.calls.append(EchoCall(command, list(arguments), stdin, fail_write_at))
        command_line = " ".join([command, *arguments])
        exit_code = int(arguments[-1]) if command == "exit" and arguments else 0
        return EchoResult(
            stdout=b"OUT:" + command_line.encode("utf-8") + b"\n" + stdin,
            stderr=f"ERR:{fail_write_at}".encode(),
            exit_code=exit_code,
            log={"echo": True, "stdin_bytes": len(stdin)},
        )


class EchoFleet:
    """A fleet of :class:`EchoHost`."""

    def __init__(self, names: list[str]) -> None:
        self.hosts = {name: EchoHost(name) for name in names}

    def get(self, name: str) -> EchoHost | None:
        """Return the host called ``name`` or None."""
        return self.hosts.get(name)

    def names(self) -> list[str]:
        """Return the host names, sorted."""
        return sorted(self.hosts)
