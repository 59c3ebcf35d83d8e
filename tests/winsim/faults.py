"""Fault injection rules for the simulated WinRM server, read from a JSON file.

The file holds a list of rules; it is re-read whenever its modification time changes, so a test
can change faults while the server runs. Every reload starts the ``times`` counters afresh.

    [{"host": "web01", "action": "Receive", "kind": "delay", "seconds": 2.5},
     {"host": "*", "action": "Create", "kind": "drop", "times": 1},
     {"host": "db02", "action": "Command", "kind": "fault", "code": 2150858793},
     {"host": "db02", "action": "Command", "kind": "fault", "wmi_error": 2150859174, "times": 1},
     {"host": "web02", "kind": "fail_write", "nth": 2, "times": 1},
     {"host": "web03", "action": "Send", "kind": "hang", "seconds": 30},
     {"host": "web04", "kind": "answer", "answer": {"protocol": 1, "ok": true, "results": [7]}, "times": 1},
     {"host": "web05", "kind": "answer", "stdout": "[[[[", "run": true}]

- ``host``: a fleet host name or ``*``; ``action``: Create, Command, Send, Receive, Signal, Delete or
  ``*``/absent for any; ``times``: how often the rule fires (absent: always); ``skip``: how many
  matching actions (for ``fail_write``: commands) pass untouched before it fires (absent: 0), e.g.
  ``{"action": "Command", "skip": 1, ...}`` hits a task's second command, the write.
- ``delay``: sleep ``seconds``, then answer normally. ``drop``: close the TCP connection without a
  reply. ``hang``: sleep ``seconds``, then drop. ``fault``: HTTP 500 with a WS-Man fault whose
  ``f:WSManFault Code`` is ``code`` (default 2150858793, the operation timeout a client retries);
  ``wmi_error`` adds an ``MSFT_WmiError`` error code and is also the default ``code`` (0x803381A6 =
  2150859174, shell quota, makes Ansible re-create the shell). ``fail_write``: the host's ``nth``
  registry write of the next command fails (passed to ``SimHost.execute(fail_write_at=nth)``);
  ``action`` is ignored. ``answer``: the host answers the next command with a given shape instead of
  the agent's answer: ``answer`` (any JSON value, sent as one JSON document) or ``stdout`` (the exact
  text, for what is not JSON or too large), with exit code ``exit_code`` (default 0). With ``run``
  true the command runs first (its writes happen, its answer is replaced), else it never runs;
  ``action`` is ignored, ``skip`` counts commands. This is a hostile host, not the agent's twin.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACTIONS = ("Create", "Command", "Send", "Receive", "Signal", "Delete")
TRANSPORT_KINDS = ("delay", "drop", "fault", "hang")
COMMAND_KINDS = ("fail_write", "answer")
KINDS = (*TRANSPORT_KINDS, *COMMAND_KINDS)
TIMEOUT_FAULT_CODE = 2150858793  # ERROR_WSMAN_OPERATION_TIMEDOUT: clients re-send Receive


class FaultFileError(ValueError):
    """The faults file is not a list of valid rules."""


@dataclass
class FaultRule:
    """One rule of the faults file, with its own firing counter."""

    host: str
    kind: str
    action: str = "*"
    seconds: float = 0.0
    code: int = TIMEOUT_FAULT_CODE
    wmi_error: int | None = None
    nth: int = 1
    times: int | None = None
    skip: int = 0
    answer: Any = None
    stdout: str | None = None
    exit_code: int = 0
    run: bool = False
    fired: int = field(default=0, compare=False)
    skipped: int = field(default=0, compare=False)

    def matches(self, host: str, action: str) -> bool:
        """True if the rule applies to ``action`` on ``host`` and has firings left."""
        if self.times is not None and self.fired >= self.times:
            return False
        if self.host not in ("*", host):
            return False
        return self.kind in COMMAND_KINDS or self.action in ("*", action)

    def describe(self) -> dict[str, Any]:
        """Return the rule's fields for the JSON log (no counters)."""
        fields: dict[str, Any] = {"kind": self.kind, "rule_host": self.host, "rule_action": self.action}
        if self.kind in ("delay", "hang"):
            fields["seconds"] = self.seconds
        elif self.kind == "fault":
            fields["code"] = self.code
            if self.wmi_error is not None:
                fields["wmi_error"] = self.wmi_error
        elif self.kind == "fail_write":
            fields["nth"] = self.nth
        elif self.kind == "answer":
            fields.update(answer_chars=len(self.answer_text()), exit_code=self.exit_code, run=self.run)
        return fields

    def answer_text(self) -> str:
        """What an ``answer`` rule sends on stdout."""
        if self.stdout is not None:
            return self.stdout
        return json.dumps(self.answer, ensure_ascii=False, separators=(",", ":")) + "\r\n"


def parse_rules(data: Any) -> list[FaultRule]:
    """Validate decoded JSON and return the rules; raise :class:`FaultFileError` naming the bad rule."""
    if not isinstance(data, list):
        raise FaultFileError("the faults file must hold a JSON list of rules")
    return [_parse_rule(index, item) for index, item in enumerate(data)]


def _parse_rule(index: int, item: Any) -> FaultRule:
    """Validate one rule."""
    where = f"fault rule {index}"
    if not isinstance(item, dict):
        raise FaultFileError(f"{where}: must be an object")
    fields = {"host", "action", "kind", "seconds", "code", "wmi_error", "nth", "times", "skip"}
    unknown = set(item) - fields - {"answer", "stdout", "exit_code", "run"}
    if unknown:
        raise FaultFileError(f"{where}: unknown field(s) {sorted(unknown)}")
    kind = item.get("kind")
    if kind not in KINDS:
        raise FaultFileError(f"{where}: kind must be one of {list(KINDS)}, got {kind!r}")
    action = item.get("action", "*")
    if action not in (*ACTIONS, "*"):
        raise FaultFileError(f"{where}: action must be one of {list(ACTIONS)} or '*', got {action!r}")
    host = item.get("host", "*")
    if not isinstance(host, str) or not host:
        raise FaultFileError(f"{where}: host must be a host name or '*'")
    wmi_error = None if item.get("wmi_error") is None else int(_number(item, "wmi_error", 0, where))
    if kind == "answer" and ("answer" in item) == ("stdout" in item):
        raise FaultFileError(f"{where}: an answer rule needs exactly one of answer (JSON) and stdout (text)")
    if not isinstance(item.get("stdout", ""), str) or not isinstance(item.get("run", False), bool):
        raise FaultFileError(f"{where}: stdout must be text and run true or false")
    return FaultRule(
        host=host,
        kind=kind,
        action=action,
        seconds=_number(item, "seconds", 0.0, where),
        # Windows reports a WMI error with the same WS-Man code; the timeout code would hide it from pywinrm.
        code=int(_number(item, "code", wmi_error or TIMEOUT_FAULT_CODE, where)),
        wmi_error=wmi_error,
        nth=int(_number(item, "nth", 1, where)),
        times=None if item.get("times") is None else int(_number(item, "times", 0, where)),
        skip=int(_number(item, "skip", 0, where)),
        answer=item.get("answer"),
        stdout=item.get("stdout"),
        exit_code=int(_number(item, "exit_code", 0, where)),
        run=bool(item.get("run", False)),
    )


def _number(item: dict[str, Any], key: str, default: float, where: str) -> float:
    """Return a non-negative number field of a rule."""
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise FaultFileError(f"{where}: {key} must be a non-negative number, got {value!r}")
    return value


class FaultBook:
    """The live set of rules, reloaded from ``path`` when its mtime changes; thread-safe."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._stamp: tuple[int, int] | None = None

    def _refresh(self) -> None:
        """Reload the file if it changed; keep the old rules if the new text is invalid."""
        if self._path is None:
            return
        try:
            stat = os.stat(self._path)
        except FileNotFoundError:
            self._rules, self._stamp = [], None
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._rules = parse_rules(json.loads(self._path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            # A half-written or broken file must not kill the server: say so and keep the old rules.
            print(f"winsim: ignoring faults file {self._path}: {exc}", file=sys.stderr, flush=True)

    def take(self, host: str, action: str) -> FaultRule | None:
        """Return (and count) the first transport rule that fires for ``action`` on ``host``."""
        return self._take(host, action, TRANSPORT_KINDS)

    def take_fail_write(self, host: str) -> FaultRule | None:
        """Return (and count) the first ``fail_write`` rule that fires for a command on ``host``."""
        return self._take(host, "*", ("fail_write",))

    def take_answer(self, host: str) -> FaultRule | None:
        """Return (and count) the first ``answer`` rule that fires for a command on ``host``."""
        return self._take(host, "*", ("answer",))

    def _take(self, host: str, action: str, kinds: tuple[str, ...]) -> FaultRule | None:
        """Find, count and return the first live rule of one of ``kinds``."""
        with self._lock:
            self._refresh()
            for rule in self._rules:
                if rule.kind in kinds and rule.matches(host, action):
                    if rule.skipped < rule.skip:
                        rule.skipped += 1
                        continue
                    rule.fired += 1
                    return rule
        return None
