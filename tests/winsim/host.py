"""One simulated Windows host: a registry, optional facts (``wmi_query`` answers from them), the command gate.

:meth:`SimHost.execute` takes what arrived in a WinRM ``rsp:Command`` (command, arguments, stdin).
It runs only proxyfleet.windows' host agent: the command line must unwrap (``PowerShell ...
-EncodedCommand``, once or twice) to exactly ``BOOTSTRAP_SCRIPT``, and stdin must carry the agent's
core (the repository's ``_agent.ps1`` as shipped, with or without its apply region) with its version,
and only known parts (``_agent_<part>.ps1`` as shipped). Anything else exits 1 with one line on stderr.
The facts can make the host behave as real ones do on first contact: ``language_mode`` (what the
bootstrap answers outside FullLanguage mode) and ``stdout_bom`` (a byte-order mark before the answer).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
import re
import threading
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from .agent_twin import AgentTwin, TwinFaults, load_protocol
from .registry import Registry

ONLY_OUR_AGENT = "this simulator only runs proxyfleet.windows' host agent"
SHOWN_CHARS = 80

# `PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand <b64>`, the
# shape of POWERSHELL_PREFIX (and of Ansible's own wrapper); executable and options case-insensitive.
_ENCODED = re.compile(
    r"\s*(?:PowerShell|powershell\.exe)\s+-NoProfile\s+-NonInteractive\s+-ExecutionPolicy\s+Unrestricted"
    r"\s+-EncodedCommand\s+(\S+)\s*",
    re.IGNORECASE | re.ASCII,
)
_MAX_LAYERS = 8  # Ansible wraps at most twice; more is not ours.


@dataclass
class ExecResult:
    """What the command produced, plus a log record for the server's JSON-lines log."""

    stdout: bytes
    stderr: bytes
    exit_code: int
    log: dict[str, t.Any] = field(default_factory=dict)


class Rejected(Exception):
    """The command or stdin is not our agent; the message is the stderr line."""


@functools.cache
def known_agent() -> tuple[str, str]:
    """(agent version, SHA-256) of the repository's ``_agent.ps1`` as shipped, computed once per process."""
    protocol = load_protocol()
    return protocol.AGENT_VERSION, protocol.agent_sha256()


@functools.cache
def known_cores() -> dict[str, bool]:
    """SHA-256 of the core as shipped, with and without its apply region -> whether it has it."""
    protocol = load_protocol()
    return {protocol.agent_sha256(protocol.agent_script(with_apply)): with_apply for with_apply in (True, False)}


@functools.cache
def known_parts() -> dict[str, str]:
    """SHA-256 of each optional agent part as shipped -> the part's name."""
    protocol = load_protocol()
    return {protocol.agent_sha256(protocol.agent_part(name)): name for name in protocol.AGENT_PARTS}


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters (ending ``...`` when cut), quoted on one line."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def unwrap_command(command: str, arguments: list[str]) -> str:
    """Join command and arguments; decode ``-EncodedCommand`` layers until the text is not one."""
    text = " ".join([command, *arguments])
    for _layer in range(_MAX_LAYERS):
        match = _ENCODED.fullmatch(text)
        if match is None:
            break
        try:
            text = base64.b64decode(match.group(1), validate=True).decode("utf-16-le")
        except (binascii.Error, ValueError):
            break  # Not decodable: report the command line as received.
    return text


def check_command(command: str, arguments: list[str]) -> None:
    """Raise :class:`Rejected` unless the command line is our bootstrap."""
    script = unwrap_command(command, arguments)
    if script != load_protocol().BOOTSTRAP_SCRIPT:
        raise Rejected(
            f"winsim: command is not the proxyfleet.windows agent bootstrap ({shorten(script)}): {ONLY_OUR_AGENT}"
        )


def parse_stdin(stdin: bytes) -> dict[str, t.Any]:
    """Return the request from ``{"agent": ..., "parts": [...], "request": ...}``; :class:`Rejected` unless ours."""
    return parse_payload(stdin)[0]


def parse_payload(stdin: bytes) -> tuple[dict[str, t.Any], list[str]]:
    """Return the request and the names of the agent parts that came with it; :class:`Rejected` unless ours.

    Lines are stripped and joined, as the bootstrap joins psrp's one-object-per-line ``$input``. The core
    must be the repository's ``_agent.ps1`` and every part one of its ``_agent_<part>.ps1`` (as shipped).
    """
    try:
        text = stdin.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Rejected(f"winsim: stdin is not UTF-8 ({shorten(repr(stdin[:SHOWN_CHARS]))}): {ONLY_OUR_AGENT}") from None
    joined = "".join(line.strip() for line in text.splitlines())
    if not joined:
        raise Rejected(
            f'winsim: no agent on stdin (expected one JSON line {{"agent": ..., "request": ...}}): {ONLY_OUR_AGENT}'
        )
    try:
        payload = json.loads(joined)
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("agent"), str):
        raise Rejected(f"winsim: stdin is not an agent request ({shorten(joined)}): {ONLY_OUR_AGENT}")
    _check_agent(payload["agent"], payload.get("request"))
    parts = _check_parts(payload.get("parts", []))
    # The core's apply region counts as the part 'apply' (the agent checks it the same way).
    if known_cores()[load_protocol().agent_sha256(payload["agent"])]:
        parts.append("apply")
    return t.cast("dict[str, t.Any]", payload["request"]), parts  # _check_agent refused anything but an object


def _check_parts(parts: t.Any) -> list[str]:
    """Names of the shipped parts; :class:`Rejected` for any text that is not one of the agent's parts."""
    if not isinstance(parts, list) or not all(isinstance(part, str) for part in parts):
        raise Rejected(f"winsim: 'parts' must be a list of agent parts: {ONLY_OUR_AGENT}")
    names = []
    for part in parts:
        sha = load_protocol().agent_sha256(part)
        if sha not in known_parts():
            raise Rejected(f"winsim: unknown agent part (sha256 {sha[:12]}...): {ONLY_OUR_AGENT}")
        names.append(known_parts()[sha])
    return names


def _check_agent(agent: str, request: t.Any) -> None:
    """The agent text's SHA-256 and the request's agent_version must be the repository's."""
    version = request.get("agent_version") if isinstance(request, dict) else None
    sha = load_protocol().agent_sha256(agent)
    known_version, known_sha = known_agent()
    if sha not in known_cores() or version != known_version or not isinstance(request, dict):
        raise Rejected(
            f"winsim: unknown agent (version {version}, sha256 {sha[:12]}...; expected version {known_version},"
            f" sha256 {known_sha[:12]}...): {ONLY_OUR_AGENT}"
        )


def describe_operations(request: t.Any) -> list[dict[str, t.Any]]:
    """Short form of a request's operations for the log: op names, apply's changes, wmi_query's class."""
    operations = request.get("operations") if isinstance(request, dict) else None
    if not isinstance(operations, list):
        return []
    described = []
    for op in operations:
        entry: dict[str, t.Any] = {"op": op.get("op") if isinstance(op, dict) else None}
        if entry["op"] == "wmi_query":
            entry.update({k: op[k] for k in ("namespace", "class") if k in op})
        if entry["op"] == "apply" and isinstance(op.get("changes"), list):
            fields = ("action", "hive", "path", "view", "name")
            entry["changes"] = [
                {k: c[k] for k in fields if k in c} if isinstance(c, dict) else c for c in op["changes"]
            ]
        described.append(entry)
    return described


class SimHost:
    """A simulated host: name, registry, facts, and the ``.reg`` file it is saved to."""

    def __init__(
        self,
        name: str,
        registry: Registry | None = None,
        *,
        facts: dict[str, t.Any] | None = None,
        reg_path: str | os.PathLike[str] | None = None,
        facts_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.name = name
        self.facts_path = Path(facts_path) if facts_path is not None else None
        self.registry = registry if registry is not None else Registry()
        self.facts: dict[str, t.Any] = facts or {}
        self.reg_path = Path(reg_path) if reg_path is not None else None
        self.command_count = 0
        self.lock = threading.Lock()  # the server is threaded; one command at a time per host

    @classmethod
    def load(cls, reg_path: str | os.PathLike[str], facts_path: str | os.PathLike[str] | None = None) -> SimHost:
        """Load ``<host>.reg`` and, when given and present, ``<host>.json``; the host name is the file stem."""
        reg_path = Path(reg_path)
        facts: dict[str, t.Any] = {}
        if facts_path is not None and Path(facts_path).exists():
            facts = json.loads(Path(facts_path).read_text(encoding="utf-8"))
            if not isinstance(facts, dict):
                raise ValueError(f"{facts_path}: facts must be a JSON object")
        return cls(reg_path.stem, Registry.load(reg_path), facts=facts, reg_path=reg_path, facts_path=facts_path)

    def save(self) -> None:
        """Write the registry back to its ``.reg`` file (atomically); no-op without one."""
        if self.reg_path is not None:
            self.registry.save(self.reg_path)

    def save_facts(self) -> None:
        """Write the facts back to ``<host>.json`` (atomically); no-op without one."""
        if self.facts_path is None:
            return
        temporary = self.facts_path.with_name(self.facts_path.name + ".tmp")
        temporary.write_text(json.dumps(self.facts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, self.facts_path)

    def execute(
        self,
        command: str,
        arguments: list[str],
        stdin: bytes,
        *,
        fail_write_at: int | None = None,
        fail_rollback: bool = False,
        fail_prune: bool = False,
        fail_readback: bool = False,
    ) -> ExecResult:
        """Run one command as Windows would run it for our agent; anything else exits 1."""
        with self.lock:
            self.command_count += 1
            try:
                check_command(command, arguments)
                language_mode = self.facts.get("language_mode", "FullLanguage")
                if language_mode != "FullLanguage":
                    return self._bootstrap_refuses(language_mode)
                request, parts = parse_payload(stdin)
            except Rejected as exc:
                return self._rejected(str(exc))
            faults = TwinFaults(
                fail_write_at=fail_write_at,
                fail_rollback=fail_rollback,
                fail_prune=fail_prune,
                fail_readback=fail_readback,
            )
            return self._run_agent(request, faults, parts)

    def _bootstrap_refuses(self, language_mode: str) -> ExecResult:
        """What the bootstrap answers, before reading stdin, where PowerShell is not in FullLanguage mode."""
        stdout = self._stdout('{"protocol":1,"ok":false,"language_mode":"' + language_mode + '","results":[]}')
        log = {"host": self.name, "operations": [], "results": [], "exit_code": 0, "language_mode": language_mode}
        return ExecResult(stdout, b"", 0, log)

    def _stdout(self, text: str) -> bytes:
        """powershell.exe's stdout: the text and CRLF, after a UTF-8 byte-order mark when the facts say
        ``"stdout_bom": true`` (an output encoding with a preamble, e.g. [Text.Encoding]::UTF8)."""
        bom = b"\xef\xbb\xbf" if self.facts.get("stdout_bom") else b""
        return bom + text.encode("utf-8") + b"\r\n"

    def _run_agent(self, request: dict[str, t.Any], faults: TwinFaults, parts: list[str]) -> ExecResult:
        twin = AgentTwin(self.registry, faults=faults, facts=self.facts, parts=parts)
        response = twin.handle(request)
        if twin.wrote:
            self.save()
        if twin.facts_changed:
            self.save_facts()
        stdout = self._stdout(json.dumps(response, ensure_ascii=False, separators=(",", ":")))
        log: dict[str, t.Any] = {
            "host": self.name,
            "agent_version": request.get("agent_version"),
            "protocol": request.get("protocol"),
            "operations": describe_operations(request),
            "ok": response["ok"],
            "results": [result.get("status") for result in response["results"]],
            "exit_code": 0,
        }
        if not response["ok"]:
            log["error"] = response.get("error")
        return ExecResult(stdout, b"", 0, log)

    def _rejected(self, message: str) -> ExecResult:
        log: dict[str, t.Any] = {
            "host": self.name,
            "agent_version": None,
            "protocol": None,
            "operations": [],
            "results": [],
            "exit_code": 1,
            "stderr": message,
        }
        return ExecResult(b"", message.encode("utf-8") + b"\r\n", 1, log)
