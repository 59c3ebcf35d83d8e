"""The Python twin of the host agent (``plugins/plugin_utils/_agent.ps1``).

It runs a request's operations (``read``, ``apply``, ``wmi_query``) against a
:class:`~tests.winsim.registry.Registry` and the host's facts exactly as ``docs/dev/agent-protocol.md``
specifies, and returns the response dict. Inputs are validated the way a careful PowerShell agent
would: an operation with a bad hive, view, path, type or data fails as a whole with
``"status": "error"`` before it touches the registry.

``wmi_query`` answers from the facts' ``wmi`` section (``<host>.json``):
``{"wmi": {"root\\rsop\\computer": {"RSOP_GPO": [{row}, ...]}}}``, rows already in the protocol's
value forms (byte arrays base64, DateTime ISO 8601). A namespace or class absent there is reported
``missing``, as the agent reports one Windows does not have.

Fault hooks (:class:`TwinFaults`) make the Nth change write of the request fail like an
access-denied write, make the rollback itself fail, or make the backup fail.
"""

from __future__ import annotations

import base64
import copy
import functools
import importlib.util
import re
import typing as t
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from . import probe_twin
from .agent_twin_sms_files import BACKUP_ID, _text
from .regfile import Value
from .registry import (
    TYPE_NAMES,
    Registry,
    RegistryError,
    from_protocol,
    hive_name,
    split_path,
    to_protocol,
    view_parts,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTOCOL_PATH = REPO_ROOT / "plugins" / "plugin_utils" / "_agent_protocol.py"

BACKUP_ROOT = "SOFTWARE\\proxyfleet\\Backups"
READ_HIVES = ("HKLM", "HKCU", "HKU", "HKCR")
WRITE_HIVES = ("HKLM",)
ACTIONS = ("set_value", "delete_value", "create_key", "delete_key")
KEY_ACTIONS = ("create_key", "delete_key")
# The agent guards only what could name several services or a path: control characters, \\ / * ?.
SERVICE_NAME = re.compile(r"[^\x00-\x1f\\/*?]{1,256}")
SERVICE_TIMEOUT = "service '{name}' did not reach {wanted} within 60 s; it is left {left}"
UNREADABLE = "Requested registry access is not allowed."
MISSING_ASSEMBLY = (
    "the .NET assembly {name} could not be loaded: Cannot add type. The assembly '{name}' could not be found."
)
# Services every simulated host has unless its facts list its own (``"services": {"DoSvc": {"status": "Running"}}``).
DEFAULT_SERVICES: dict[str, dict[str, t.Any]] = {
    "DoSvc": {"status": "Running"},
    "Sense": {"status": "Running"},
    "WinDefend": {"status": "Running"},
    "WinHttpAutoProxySvc": {"status": "Running"},
}
SMS_AND_FILE_OPERATIONS = ("sms_sysresuse_read", "sms_sysresuse_write", "file_read", "file_write")
OPERATIONS = ("read", "apply", "wmi_query", "service", *SMS_AND_FILE_OPERATIONS, "tls_probe")
WILDCARD = "*"
# WMI names as the agent accepts them: letters, digits, underscore; namespaces joined by backslashes.
WMI_NAME = re.compile(r"[A-Za-z0-9_]+")
WMI_NAMESPACE = re.compile(r"[A-Za-z0-9_]+(?:\\[A-Za-z0-9_]+)*")
# The user hives a per-user wmi_query covers (the agent's $WmiUserSidPattern), and how many it may ask for.
WMI_USER_SID = re.compile(r"S-1-(?:5-21|12-1)(?:-[0-9]+)+")
WMI_MAX_USERS = 256


@functools.cache
def load_protocol() -> ModuleType:
    """Load ``_agent_protocol.py`` by file path, so the twin uses the controller's own constants."""
    spec = importlib.util.spec_from_file_location("winsim_agent_protocol", PROTOCOL_PATH)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {PROTOCOL_PATH}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class OperationError(Exception):
    """An operation's input is invalid; the operation fails with ``status: error``."""


class WriteError(Exception):
    """A registry write failed (injected: access denied)."""


@dataclass
class TwinFaults:
    """Injected failures for one request.

    - ``fail_write_at``: the Nth (1-based) change write of the request, counted over every apply's
      write stage, raises before writing anything (like an access-denied ``SetValue``).
    - ``fail_rollback``: the first undo step of a rollback raises; the rest are still attempted.
      A rollback with nothing to undo (the first write failed) has no step to fail.
    - ``fail_backup``: writing the backup raises.
    - ``fail_prune``: deleting old backups after the write raises (reported as ``prune_error``).
    - ``fail_readback``: reading back after the write raises (reported as ``after_error``).
    """

    fail_write_at: int | None = None
    fail_rollback: bool = False
    fail_backup: bool = False
    fail_prune: bool = False
    fail_readback: bool = False


@dataclass(frozen=True)
class Expect:
    """A validated ``expect``: existence, and for an existing value its protocol type and data."""

    exists: bool
    type: str | None = None
    data: t.Any = None


@dataclass(frozen=True)
class Change:
    """A validated change, with its address resolved for the registry view."""

    index: int
    action: str
    hive: str  # short form, "HKLM"
    path: str  # as requested (before view redirection)
    view: int
    name: str | None  # None for create_key and delete_key
    value: Value | None  # set_value only
    expect: Expect
    full_hive: str
    resolved: str  # key path below the hive after view redirection

    def address(self) -> dict[str, t.Any]:
        """The change's address as echoed in results."""
        return {"hive": self.hive, "path": self.path, "view": self.view}


@dataclass(frozen=True)
class Prior:
    """A change's target as it was before the apply (what the backup records)."""

    key_existed: bool
    value: tuple[str, Value] | None  # stored name and value, when it existed
    first_missing_key: str | None = None  # the topmost key on the path that did not exist (given-path form)


def dotnet_utc(moment: datetime) -> str:
    """ISO 8601 UTC as .NET's round-trip format ``ToString('o')`` writes it (7 fraction digits)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


class AgentTwin:
    """Runs requests against one registry. ``wrote`` tells whether the last request changed it."""

    def __init__(
        self,
        registry: Registry,
        *,
        faults: TwinFaults | None = None,
        clock: t.Callable[[], datetime] | None = None,
        facts: dict[str, t.Any] | None = None,
        parts: list[str] | None = None,
    ) -> None:
        self.registry = registry
        # The agent parts the request carried (None: all of them, for tests that call the twin directly).
        self.parts = parts
        self.wmi: dict[str, t.Any] = (facts or {}).get("wmi") or {}
        # Services listed in the host's facts keep their state (and restart counts) across commands;
        # without a list, every command sees the default services, fresh.
        self.services: dict[str, t.Any] = (facts or {}).get("services") or copy.deepcopy(DEFAULT_SERVICES)
        # The host's facts themselves: the SMS and file operations change them (facts_changed).
        self.facts: dict[str, t.Any] = facts if facts is not None else {}
        self.facts_changed = False
        self.faults = faults or TwinFaults()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.wrote = False
        self._writes = 0
        protocol = load_protocol()
        self.protocol_version: int = protocol.PROTOCOL_VERSION
        self.agent_version: str = protocol.AGENT_VERSION

    # -- request level -----------------------------------------------------------------------

    def handle(self, request: t.Any) -> dict[str, t.Any]:
        """Run a request; return the response dict."""
        self.wrote = False
        self._writes = 0
        error = self._request_error(request)
        if error:
            return self._response(ok=False, error=error)
        return self._response(ok=True, results=[self._run(op) for op in request["operations"]])

    def _response(self, *, ok: bool, results: list[t.Any] | None = None, error: str | None = None) -> dict[str, t.Any]:
        response: dict[str, t.Any] = {"protocol": self.protocol_version, "agent_version": self.agent_version, "ok": ok}
        if error is not None:
            response["error"] = error
        response["results"] = results or []
        return response

    def _request_error(self, request: t.Any) -> str | None:
        """Request-level problems; checked in full before any operation runs."""
        if not isinstance(request, dict):
            return f"request must be a JSON object, got {_kind(request)}"
        protocol = request.get("protocol")
        if isinstance(protocol, bool) or protocol != self.protocol_version:
            return f"unsupported protocol {protocol!r}: this agent speaks protocol {self.protocol_version}"
        if request.get("agent_version") != self.agent_version:
            return f"request is for agent version {request.get('agent_version')!r}; this is agent {self.agent_version}"
        operations = request.get("operations")
        if not isinstance(operations, list):
            return f"'operations' must be a list, got {_kind(operations)}"
        for index, op in enumerate(operations):
            if not isinstance(op, dict):
                return f"operations[{index}] must be a JSON object, got {_kind(op)}"
            if op.get("op") not in OPERATIONS:
                return (
                    f"unknown operation {op.get('op')!r} at operations[{index}] (expected read, apply, wmi_query,"
                    " service, sms_sysresuse_read, sms_sysresuse_write, file_read, file_write or tls_probe)"
                )
            part = "apply" if op["op"] == "apply" else load_protocol().PART_OF_OPERATION.get(op["op"])
            if part is not None and self.parts is not None and part not in self.parts:
                return (
                    f"operation '{op['op']}' at operations[{index}] needs the agent part '{part}',"
                    " which the request did not carry"
                )
        return None

    def _run(self, op: dict[str, t.Any]) -> dict[str, t.Any]:
        """Run one operation; invalid input fails it before anything is touched."""
        if op["op"] in SMS_AND_FILE_OPERATIONS:
            return self._run_sms_or_file(op)
        run = {
            "read": self._read,
            "apply": self._apply,
            "wmi_query": self._wmi_query,
            "service": self._service,
            "tls_probe": self._tls_probe,
        }[op["op"]]
        try:
            return run(op)
        except OperationError as exc:
            return {"op": op["op"], "status": "error", "error": str(exc)}

    def _run_sms_or_file(self, op: dict[str, t.Any]) -> dict[str, t.Any]:
        """The site control and file operations (``agent_twin_sms_files``), on the host's facts."""
        from . import agent_twin_sms_files as ops

        try:
            if op["op"] == "sms_sysresuse_read":
                return ops.sysresuse_read(self.facts, op)
            if op["op"] == "file_read":
                return ops.file_read(self.facts, op)
            run = ops.sysresuse_write if op["op"] == "sms_sysresuse_write" else ops.file_write
            result, changed = run(self.facts, op)
        except ops.InputError as exc:
            return {"op": op["op"], "status": "error", "error": str(exc)}
        self.facts_changed = self.facts_changed or changed
        return result

    # -- read --------------------------------------------------------------------------------

    def _read(self, op: dict[str, t.Any]) -> dict[str, t.Any]:
        keys = op.get("keys")
        if not isinstance(keys, list):
            raise OperationError(f"'keys' must be a list, got {_kind(keys)}")
        # Address by address, as the agent checks them: hive, view and path, then 'match' (wildcards only).
        addresses = []
        for i, key in enumerate(keys):
            given, full, resolved = self._address(f"keys[{i}]", key, READ_HIVES, allow_root=True)
            match = _read_match(f"keys[{i}]", key)
            if match is not None and WILDCARD not in split_path(given["path"]):
                raise OperationError(f"keys[{i}]: invalid 'match'")
            addresses.append((given, full, resolved, match))
        entries = []
        for given, full, resolved, match in addresses:
            parts = split_path(given["path"])
            if WILDCARD not in parts:
                entries.append(self._read_key(given, full, resolved))
                continue
            # One entry per existing key the pattern names (that 'match' keeps), with its concrete path.
            for concrete in self._expand(full, parts, given["view"]):
                found = {**given, "path": "\\".join(concrete)}
                entry = self._read_key(found, full, "\\".join(view_parts(full, concrete, given["view"])))
                if match is None or "error" in entry or _matches_prefix(entry, match):
                    entries.append({**entry, "pattern": given["path"]})
        return {"op": "read", "status": "ok", "keys": entries}

    def _expand(self, full_hive: str, parts: list[str], view: int) -> list[list[str]]:
        """The existing keys a path with ``*`` names: each ``*`` is every subkey at its level, ordinal order."""
        prefixes: list[list[str]] = [[]]
        for part in parts:
            if part != WILDCARD:
                prefixes = [[*prefix, part] for prefix in prefixes]
                continue
            prefixes = [
                [*prefix, name]
                for prefix in prefixes
                for name in sorted(
                    self.registry.subkey_names(full_hive, "\\".join(view_parts(full_hive, prefix, view))),
                    key=_ordinal,
                )
            ]
        return [p for p in prefixes if self.registry.key_exists(full_hive, "\\".join(view_parts(full_hive, p, view)))]

    def _read_key(self, given: dict[str, t.Any], full_hive: str, resolved: str) -> dict[str, t.Any]:
        # Keys the facts make unreadable (``"unreadable_keys": ["HKLM\\SOFTWARE\\X"]``) answer as the
        # agent answers a key it may not open: that key alone, with the .NET message.
        unreadable = {name.lower() for name in self.facts.get("unreadable_keys") or []}
        if f"{given['hive']}\\{given['path']}".lower() in unreadable:
            return {**given, "exists": False, "values": [], "subkeys": [], "error": UNREADABLE}
        exists = self.registry.key_exists(full_hive, resolved)
        values = [_value_entry(name, value) for name, value in self.registry.values(full_hive, resolved)]
        subkeys = self.registry.subkey_names(full_hive, resolved)
        return {**given, "exists": exists, "values": values, "subkeys": subkeys}

    def _address(
        self, where: str, item: t.Any, hives: tuple[str, ...], *, allow_root: bool
    ) -> tuple[dict[str, t.Any], str, str]:
        """Validate hive/path/view; return the echo, the full hive name and the resolved path."""
        if not isinstance(item, dict):
            raise OperationError(f"{where} must be a JSON object, got {_kind(item)}")
        hive, path, view = item.get("hive"), item.get("path"), item.get("view")
        if not isinstance(hive, str) or hive.upper() not in hives:
            raise OperationError(f"{where}: unsupported hive {hive!r} (expected {' or '.join(hives)})")
        if isinstance(view, bool) or not isinstance(view, int) or view not in (64, 32):  # not 64.0, True, "64"
            raise OperationError(f"{where}: unknown registry view '{_text(view)}'")
        try:
            parts = split_path(path)
        except RegistryError as exc:
            raise OperationError(f"{where}: {exc}") from None
        if not parts and not allow_root:
            raise OperationError(f"{where}: 'path' must name a key below the hive, got {path!r}")
        full = hive_name(hive)
        return {"hive": hive, "path": path, "view": view}, full, "\\".join(view_parts(full, parts, view))

    # -- apply: validation -------------------------------------------------------------------

    def _apply(self, op: dict[str, t.Any]) -> dict[str, t.Any]:
        changes_in = op.get("changes")
        if not isinstance(changes_in, list):
            raise OperationError(f"'changes' must be a list, got {_kind(changes_in)}")
        if not changes_in:
            # Nothing to change: no backup, nothing written.
            return {"op": "apply", "status": "applied", "backup_id": None, "written": 0, "pruned": [], "after": []}
        backup_id, keep = _backup_spec(op.get("backup"))
        changes = [self._change(i, change) for i, change in enumerate(changes_in)]
        return self._apply_changes(changes, backup_id, keep)

    def _change(self, index: int, item: t.Any) -> Change:
        """Validate one change."""
        where = f"changes[{index}]"
        given, full, resolved = self._address(where, item, WRITE_HIVES, allow_root=False)
        if WILDCARD in split_path(given["path"]):
            raise OperationError(
                f"{where}: wildcard '*' in key path '{given['path']}': wildcards are only allowed in read"
            )
        action = item.get("action")
        if action not in ACTIONS:
            raise OperationError(f"{where}: unknown action '{_text(action)}'")
        name = None if action in KEY_ACTIONS else _value_name(where, item.get("name"))
        value = None
        if action == "set_value":
            value = _to_value(where, item.get("type"), item.get("data"))
        expect = _expect(where, item.get("expect"), value_change=name is not None)
        return Change(
            index, action, given["hive"].upper(), given["path"], given["view"], name, value, expect, full, resolved
        )

    # -- apply: the four steps ---------------------------------------------------------------

    def _apply_changes(self, changes: list[Change], backup_id: str, keep: int) -> dict[str, t.Any]:
        """Preconditions, backup, writes (rollback on failure), read back: the protocol's four steps."""
        failed = [
            {"index": c.index, "current": current}
            for c in changes
            if not _matches(current := self._current(c), c.expect)
        ]
        if failed:
            return {"op": "apply", "status": "precondition_failed", "failed": failed}
        priors = [self._prior(c) for c in changes]
        try:
            self._write_backup(backup_id, keep, changes, priors)
        except (WriteError, RegistryError) as exc:
            return {"op": "apply", "status": "failed", "stage": "backup", "error": str(exc), "backup_id": None}
        created: list[str] = []
        for change in changes:
            try:
                self._write(change, created)
            except (WriteError, RegistryError) as exc:
                # The failed write changed no value; keys it may have created are in `created`.
                rollback = self._rollback(changes[: change.index], priors, created)
                failed = {
                    "op": "apply", "status": "failed", "stage": "write", "failed_index": change.index,
                    "error": str(exc), "backup_id": backup_id, "rollback": rollback,
                }  # fmt: skip
                if rollback["ok"]:
                    # Rolled back: the host is as it was, so the backup takes no slot.
                    self.registry.delete_key("HKLM", f"{BACKUP_ROOT}\\{backup_id}")
                    failed["backup_id"] = None
                return failed
        # The write is done: pruning and the read back are best effort, reported beside the backup id.
        result: dict[str, t.Any] = {
            "op": "apply", "status": "applied", "backup_id": backup_id, "written": len(changes), "pruned": [],
            "after": None,
        }  # fmt: skip
        try:
            if self.faults.fail_prune:
                raise WriteError(f"Access to the registry key 'HKEY_LOCAL_MACHINE\\{BACKUP_ROOT}' is denied.")
            result["pruned"] = self._prune(keep)
        except WriteError as exc:
            result["prune_error"] = str(exc)
        if self.faults.fail_readback:
            result["after_error"] = "The handle is invalid."
        else:
            result["after"] = [self._after(c) for c in changes]
        return result

    def _current(self, change: Change) -> dict[str, t.Any]:
        """The change's target now, shaped like ``expect``."""
        if change.name is None:
            return {"exists": self.registry.key_exists(change.full_hive, change.resolved)}
        value = self.registry.get_value(change.full_hive, change.resolved, change.name)
        if value is None:
            return {"exists": False}
        type_name, data = to_protocol(value)
        return {"exists": True, "type": type_name, "data": data}

    def _prior(self, change: Change) -> Prior:
        key = self.registry.open_key(change.full_hive, change.resolved)
        stored = key.values.get(change.name.lower()) if key is not None and change.name is not None else None
        return Prior(key_existed=key is not None, value=stored, first_missing_key=self._first_missing_key(change))

    def _first_missing_key(self, change: Change) -> str | None:
        parts = split_path(change.path)
        for depth in range(1, len(parts) + 1):
            prefix = "\\".join(parts[:depth])
            if not self.registry.key_exists(change.hive, prefix, change.view):
                return prefix
        return None

    def _write_backup(self, backup_id: str, keep: int, changes: list[Change], priors: list[Prior]) -> None:
        """Step 2: the backup key, then pruning. On failure nothing of the backup remains."""
        path = f"{BACKUP_ROOT}\\{backup_id}"
        if self.registry.key_exists("HKLM", path):
            raise WriteError(f"backup {backup_id} already exists under HKLM\\{BACKUP_ROOT}")
        before = self.registry.snapshot()
        try:
            if self.faults.fail_backup:
                raise WriteError(f"Access to the registry key 'HKEY_LOCAL_MACHINE\\{path}' is denied.")
            self._backup_values(path, changes, priors)
        except BaseException:
            self.registry.restore(before)
            raise
        self.wrote = True

    def _backup_values(self, path: str, changes: list[Change], priors: list[Prior]) -> None:
        reg = self.registry
        # The host's own sequence orders backups; sequence 1 is the Original (never pruned).
        next_value = reg.get_value("HKLM", BACKUP_ROOT, "NextSequence")
        sequence = int.from_bytes(next_value.raw[:4], "little") if next_value is not None else 1
        reg.set_value("HKLM", BACKUP_ROOT, "NextSequence", Value.dword(sequence + 1))
        reg.set_value("HKLM", path, "Sequence", Value.dword(sequence))
        reg.set_value("HKLM", path, "Original", Value.dword(int(sequence == 1)))
        reg.set_value("HKLM", path, "Created", Value.string(dotnet_utc(self.clock())))
        reg.set_value("HKLM", path, "AgentVersion", Value.string(self.agent_version))
        reg.set_value("HKLM", path, "Count", Value.dword(len(changes)))
        for change, prior in zip(changes, priors, strict=True):
            sub = f"{path}\\{change.index}"
            for name, value in (
                ("Hive", Value.string(change.hive)),
                ("Path", Value.string(change.path)),
                # The stored name when the value existed, so a restore brings back its exact case.
                ("Name", Value.string(prior.value[0] if prior.value else change.name or "")),
                ("Action", Value.string(change.action)),
                ("View", Value.dword(change.view)),
                ("KeyExisted", Value.dword(int(prior.key_existed))),
                ("ValueExisted", Value.dword(int(prior.value is not None))),
            ):
                reg.set_value("HKLM", sub, name, value)
            if prior.first_missing_key is not None:
                reg.set_value("HKLM", sub, "FirstMissingKey", Value.string(prior.first_missing_key))
            if prior.value is not None:
                reg.set_value("HKLM", sub, "Data", prior.value[1])

    def _prune(self, keep: int) -> list[str]:
        """Delete backups beyond the newest ``keep`` by Sequence (none: older, by name), never the Original."""
        order = []
        for name in self.registry.subkey_names("HKLM", BACKUP_ROOT):
            path = f"{BACKUP_ROOT}\\{name}"
            if _dword(self.registry.get_value("HKLM", path, "Original")) == 1:
                continue
            order.append((_dword(self.registry.get_value("HKLM", path, "Sequence")), _ordinal(name), name))
        pruned = [name for _sequence, _key, name in sorted(order)[: max(len(order) - keep, 0)]]
        for name in pruned:
            self.registry.delete_key("HKLM", f"{BACKUP_ROOT}\\{name}")
        return pruned

    def _write(self, change: Change, created: list[str]) -> None:
        """Step 3, one change. The injected fault fires before anything is written."""
        self._writes += 1
        if self.faults.fail_write_at == self._writes:
            raise WriteError(f"Access to the registry key '{change.full_hive}\\{change.resolved}' is denied.")
        if change.action == "delete_value":
            assert change.name is not None
            self.registry.delete_value(change.full_hive, change.resolved, change.name)
            return
        if change.action == "delete_key":
            self._delete_empty_key(change)
            return
        # set_value and create_key create missing keys; remember the topmost for rollback.
        top = self.registry.create_key(change.full_hive, change.resolved)
        if top is not None:
            created.append(top)
        if change.action == "set_value":
            assert change.name is not None and change.value is not None
            self.registry.set_value(change.full_hive, change.resolved, change.name, change.value)

    def _delete_empty_key(self, change: Change) -> None:
        """Only an empty key is deleted; anything left in it fails the apply (and rolls it back)."""
        if not self.registry.key_exists(change.full_hive, change.resolved):
            return
        if self.registry.values(change.full_hive, change.resolved) or self.registry.subkey_names(
            change.full_hive, change.resolved
        ):
            raise WriteError(f"key 'HKLM\\{change.path}' is not empty: it still holds values or subkeys")
        self.registry.delete_key(change.full_hive, change.resolved)

    def _rollback(self, done: list[Change], priors: list[Prior], created: list[str]) -> dict[str, t.Any]:
        """Undo ``done`` in reverse from the prior state, then remove keys this apply created.

        Best effort: every step is tried; the first error is reported.
        """
        steps: list[t.Callable[[], None]] = [
            functools.partial(self._restore, c, priors[c.index]) for c in reversed(done)
        ]
        steps += [functools.partial(self._remove_created, path) for path in reversed(created)]
        errors: list[str] = []
        for number, step in enumerate(steps):
            try:
                if number == 0 and self.faults.fail_rollback:
                    raise WriteError(
                        f"rollback: access to the registry key '{self._step_key(done, created)}' is denied."
                    )
                step()
            except (WriteError, RegistryError) as exc:
                errors.append(str(exc))
        return {"ok": True} if not errors else {"ok": False, "error": errors[0]}

    def _step_key(self, done: list[Change], created: list[str]) -> str:
        """The key the first rollback step touches, for the injected error message."""
        if done:
            return f"{done[-1].full_hive}\\{done[-1].resolved}"
        return f"HKEY_LOCAL_MACHINE\\{created[-1]}" if created else "HKEY_LOCAL_MACHINE"

    def _restore(self, change: Change, prior: Prior) -> None:
        """Put a value back as it was (or remove it); a deleted key comes back empty; create_key has nothing."""
        if change.action == "delete_key":
            # A key that did not exist was not deleted: nothing to bring back.
            if prior.key_existed:
                self.registry.create_key(change.full_hive, change.resolved)
            return
        if change.name is None:
            return
        if prior.value is None:
            self.registry.delete_value(change.full_hive, change.resolved, change.name)
            return
        stored_name, value = prior.value
        # Delete first so the restored value gets its original name case back.
        self.registry.delete_value(change.full_hive, change.resolved, change.name)
        self.registry.set_value(change.full_hive, change.resolved, stored_name, value)

    def _remove_created(self, path: str) -> None:
        self.registry.delete_key("HKLM", path)

    def _after(self, change: Change) -> dict[str, t.Any]:
        """Step 4: read back one change's target."""
        entry = change.address()
        if change.name is not None:
            entry["name"] = change.name
        return {**entry, **self._current(change)}

    # -- service -----------------------------------------------------------------------------

    def _service(self, op: dict[str, t.Any]) -> dict[str, t.Any]:
        """Query or restart a service of the facts' ``services``, as the agent's ``Invoke-Service`` does.

        A service's facts: ``status`` (``Running``, ``Stopped``, ``StartPending``, ``StopPending``),
        optional ``dependents`` (names of services that depend on it), ``access: "denied"`` (opening it
        fails with ERROR_ACCESS_DENIED), ``hangs: "stop"`` or ``"start"`` (that wait times out and the
        service stays ``StopPending`` / ``StartPending``). Restarts are counted in ``restarts``.
        """
        name, action = op.get("name"), op.get("action")
        if not isinstance(name, str) or not SERVICE_NAME.fullmatch(name):
            raise OperationError(f"invalid service name '{name}'")
        if action not in ("query", "restart"):
            raise OperationError(f"unknown service action '{action}'")
        if "System.ServiceProcess" in (self.facts.get("missing_assemblies") or []):
            raise OperationError(MISSING_ASSEMBLY.format(name="System.ServiceProcess"))
        stored = _find_name(self.services, name)
        if stored is None:
            return {"op": "service", "status": "missing", "name": name}
        if stored.get("access") == "denied":
            return {"op": "service", "status": "denied", "name": name, "error": f"access to service '{name}' is denied"}
        exact = next(key for key in self.services if key.lower() == name.lower())
        before = stored["status"]
        result: dict[str, t.Any] = {
            "op": "service", "status": "ok", "name": exact, "before": before, "after": before,
            "restarted": False, "dependents": [],
        }  # fmt: skip
        only_if_running = op.get("only_if_running") is not False
        if action != "restart" or not (before in ("Running", "StartPending") or not only_if_running):
            return result
        dependents = stored.get("dependents", [])
        running = [d for d in dependents if (_find_name(self.services, d) or {}).get("status") == "Running"]
        try:
            self._restart(exact, stored, running)
            result["restarted"] = True
        except WriteError as exc:
            result.update(status="failed", error=str(exc))
        result["after"] = stored["status"]
        result["dependents"] = [{"name": d, "status": _find_name(self.services, d)["status"]} for d in running]
        return result

    def _restart(self, name: str, stored: dict[str, t.Any], running: list[str]) -> None:
        """Stop (the dependents first, as ServiceController.Stop does), start, start the dependents that ran."""
        if stored["status"] != "Stopped":
            for dependent in running:
                _find_name(self.services, dependent)["status"] = "Stopped"
            if stored.get("hangs") == "stop":
                stored["status"] = "StopPending"
                raise WriteError(SERVICE_TIMEOUT.format(name=name, wanted="Stopped", left="StopPending"))
            stored["status"] = "Stopped"
        if stored.get("hangs") == "start":
            stored["status"] = "StartPending"
            raise WriteError(SERVICE_TIMEOUT.format(name=name, wanted="Running", left="StartPending"))
        stored.update(status="Running", restarts=stored.get("restarts", 0) + 1)
        for dependent in running:
            _find_name(self.services, dependent)["status"] = "Running"

    # -- wmi_query ---------------------------------------------------------------------------

    def _wmi_query(self, op: dict[str, t.Any]) -> dict[str, t.Any]:
        """Rows of one class from the facts, only the listed properties, filtered by ``where``.

        With ``per_user``, once per loaded user hive (``HKU\\<SID>``, ordinal order, at most ``max_users``) in
        ``<namespace>\\<SID with _ for ->``, as the agent does.
        """
        namespace, class_name, properties, where = _wmi_request(op)
        per_user = op.get("per_user")
        if per_user is not None and not isinstance(per_user, bool):
            raise OperationError("invalid 'per_user'")
        if per_user:
            most = op.get("max_users")
            if isinstance(most, bool) or not isinstance(most, int) or not 1 <= most <= WMI_MAX_USERS:
                raise OperationError("invalid 'max_users'")
            sids = sorted(
                (name for name in self.registry.subkey_names("HKEY_USERS", "") if WMI_USER_SID.fullmatch(name)),
                key=_ordinal,
            )
            users = []
            for sid in sids[:most]:
                found = self._wmi_rows(namespace + "\\" + sid.replace("-", "_"), class_name, properties, where)
                users.append(
                    {"sid": sid, **{key: value for key, value in found.items() if key not in ("op", "status")}}
                )
            return {"op": "wmi_query", "status": "ok", "users": users, "not_queried": max(0, len(sids) - most)}
        return self._wmi_rows(namespace, class_name, properties, where)

    def _wmi_rows(
        self, namespace: str, class_name: str, properties: list[str], where: list[tuple[str, t.Any]]
    ) -> dict[str, t.Any]:
        classes = _find_name(self.wmi, namespace)
        if classes is None:
            return {"op": "wmi_query", "status": "ok", "instances": [], "missing": "namespace"}
        rows = _find_name(classes, class_name)
        if rows is None:
            return {"op": "wmi_query", "status": "ok", "instances": [], "missing": "class"}
        instances = []
        for row in rows:
            picked = {name: copy.deepcopy(_find_name(row, name)) for name in properties}
            if all(_wmi_equal(picked[name], wanted) for name, wanted in where):
                instances.append(picked)
        return {"op": "wmi_query", "status": "ok", "instances": instances}

    # -- tls_probe ---------------------------------------------------------------------------

    def _tls_probe(self, op: dict[str, t.Any]) -> dict[str, t.Any]:
        """Answers from the facts' ``network`` section (see ``probe_twin``); nothing touches a network."""
        try:
            return probe_twin.tls_probe(self.registry, self.facts, op)
        except probe_twin.ProbeInputError as exc:
            raise OperationError(str(exc)) from None


def run_request(
    registry: Registry,
    request: t.Any,
    *,
    fail_write_at: int | None = None,
    fail_rollback: bool = False,
    fail_backup: bool = False,
    fail_prune: bool = False,
    fail_readback: bool = False,
    clock: t.Callable[[], datetime] | None = None,
    facts: dict[str, t.Any] | None = None,
) -> dict[str, t.Any]:
    """Run one request against ``registry`` (and ``facts``, for wmi_query) and return the response dict."""
    faults = TwinFaults(
        fail_write_at=fail_write_at,
        fail_rollback=fail_rollback,
        fail_backup=fail_backup,
        fail_prune=fail_prune,
        fail_readback=fail_readback,
    )
    return AgentTwin(registry, faults=faults, clock=clock, facts=facts).handle(request)


# ---------------------------------------------------------------------------------------------
# Validation helpers


def _dword(value: Value | None) -> int:
    """A REG_DWORD's number; 0 when the value is missing."""
    return int.from_bytes(value.raw[:4], "little") if value is not None else 0


def _kind(data: t.Any) -> str:
    """JSON type name for messages."""
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "boolean"
    return {int: "number", float: "number", str: "string", list: "array", dict: "object"}.get(type(data), "value")


def _backup_spec(backup: t.Any) -> tuple[str, int]:
    """Validate ``backup`` as the agent does: an id of the agent's form and ``keep`` >= 1."""
    # The agent reads fields of anything with Get-Field, which gives $null for a missing one.
    backup_id = backup.get("id") if isinstance(backup, dict) else None
    keep = backup.get("keep") if isinstance(backup, dict) else None
    if not isinstance(backup_id, str) or not BACKUP_ID.fullmatch(backup_id):
        raise OperationError(f"invalid backup id '{_text(backup_id)}'")
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise OperationError(f"invalid backup keep '{_text(keep)}'")
    return backup_id, keep


def _value_name(where: str, name: t.Any) -> str:
    if not isinstance(name, str):
        raise OperationError(f"{where}: invalid value name")
    if len(name) > 16383:
        raise OperationError(f"{where}: value name longer than 16383 characters")
    return name


def _to_value(where: str, type_name: t.Any, data: t.Any) -> Value:
    # The agent guards type and data with short messages (the controller built them from validated
    # options); data that is not base64 fails in .NET's decoder with a message of its own.
    if not isinstance(type_name, str) or type_name not in TYPE_NAMES:
        raise OperationError(f"{where}: unknown value type '{_text(type_name)}'")
    try:
        return from_protocol(type_name, data)
    except RegistryError as exc:
        detail = str(exc) if "not valid base64" in str(exc) else f"invalid {type_name} data"
        raise OperationError(f"{where}: {detail}") from None


def _expect(where: str, expect: t.Any, *, value_change: bool) -> Expect:
    """Validate ``expect``: ``{"exists": false}`` or, for a value, ``{"exists": true, "type", "data"}``."""
    if not isinstance(expect, dict) or not isinstance(expect.get("exists"), bool):
        raise OperationError(f"{where}: 'expect' must be an object with a boolean 'exists', got {expect!r:.80}")
    if not expect["exists"] or not value_change:
        return Expect(expect["exists"])
    # The rest is the controller's to validate (as in the agent): a malformed one fails the precondition.
    return Expect(True, expect.get("type"), expect.get("data"))


def _matches(current: dict[str, t.Any], expect: Expect) -> bool:
    """Compare by the protocol's rules: bytes for binary/none, list for multistring, else equality."""
    if current["exists"] != expect.exists:
        return False
    # A key (create_key, delete_key) is compared by existence only; a value also by type and data.
    if not current["exists"] or "type" not in current:
        return True
    if current["type"] != expect.type:
        return False
    if expect.type in ("binary", "none"):
        return base64.b64decode(current["data"]) == base64.b64decode(expect.data)
    return bool(current["data"] == expect.data)


def _read_match(where: str, item: t.Any) -> tuple[str, list[str]] | None:
    """A read address's ``match``: (value name, prefixes); None without one (checked like the agent)."""
    match = item.get("match") if isinstance(item, dict) else None
    if match is None:
        return None
    name = match.get("value") if isinstance(match, dict) else None
    prefixes = match.get("prefixes") if isinstance(match, dict) else None
    if (
        not isinstance(name, str)
        or not isinstance(prefixes, list)
        or not prefixes
        or not all(isinstance(prefix, str) and prefix for prefix in prefixes)
    ):
        raise OperationError(f"{where}: invalid 'match'")
    return name, prefixes


def _matches_prefix(entry: dict[str, t.Any], match: tuple[str, list[str]]) -> bool:
    """Whether the key's string value ``match[0]`` starts with one of the prefixes (ordinal, ignoring case)."""
    name, prefixes = match
    for value in entry["values"]:
        if _fold(value["name"]) == _fold(name) and value["type"] in ("string", "expandstring"):
            return any(_fold(value["data"]).startswith(_fold(prefix)) for prefix in prefixes)
    return False


def _value_entry(name: str, value: Value) -> dict[str, t.Any]:
    type_name, data = to_protocol(value)
    return {"name": name, "type": type_name, "data": data}


def _ordinal(name: str) -> bytes:
    """Sort key for .NET's ordinal string order (UTF-16 code units)."""
    return name.encode("utf-16-be", "surrogatepass")


# ---------------------------------------------------------------------------------------------
# wmi_query helpers


def _wmi_request(op: dict[str, t.Any]) -> tuple[str, str, list[str], list[tuple[str, t.Any]]]:
    """Validate namespace, class, properties and where (checked in that order, as the agent does)."""
    namespace = op.get("namespace")
    if not isinstance(namespace, str) or not WMI_NAMESPACE.fullmatch(namespace):
        raise OperationError(f"invalid namespace '{_text(namespace)}'")
    class_name = op.get("class")
    if not isinstance(class_name, str) or not WMI_NAME.fullmatch(class_name):
        raise OperationError(f"invalid class name '{_text(class_name)}'")
    properties = op.get("properties")
    if not isinstance(properties, list) or not properties:
        raise OperationError("invalid 'properties'")
    seen: set[str] = set()
    for index, name in enumerate(properties):
        if not isinstance(name, str) or not WMI_NAME.fullmatch(name):
            raise OperationError(f"invalid properties[{index}]")
        if name.lower() in seen:
            raise OperationError(f"duplicate properties[{index}]")
        seen.add(name.lower())
    return namespace, class_name, properties, _wmi_where(op.get("where"), properties)


def _wmi_where(where: t.Any, properties: list[str]) -> list[tuple[str, t.Any]]:
    """``where`` as (listed property, wanted value) pairs; None or {} is no filter."""
    if where is None:
        return []
    if not isinstance(where, dict):
        raise OperationError("invalid 'where'")
    pairs = []
    for name, wanted in where.items():
        listed = next((p for p in properties if p.lower() == name.lower()), None)
        if listed is None:
            raise OperationError(f"invalid 'where' property '{name}'")
        if not (wanted is None or isinstance(wanted, (str, bool, int))):
            raise OperationError(f"invalid 'where' value of '{name}'")
        pairs.append((listed, wanted))
    return pairs


def _find_name(mapping: t.Any, name: str) -> t.Any:
    """``mapping[name]`` with WMI's case-insensitive names; None when absent."""
    if not isinstance(mapping, dict):
        raise ValueError(f"facts: expected an object holding {name!r}, got {_kind(mapping)}")
    if name in mapping:
        return mapping[name]
    return next((value for key, value in mapping.items() if key.lower() == name.lower()), None)


def _fold(text: str) -> str:
    """Upper case per UTF-16 unit where that maps one to one, as .NET's OrdinalIgnoreCase compares."""
    return "".join(upper if len(upper := char.upper()) == 1 else char for char in text)


def _wmi_equal(value: t.Any, wanted: t.Any) -> bool:
    """The agent's ``where`` equality: same JSON kind; strings ignore case, numbers compare by value."""
    if wanted is None:
        return value is None
    if isinstance(wanted, bool):
        return isinstance(value, bool) and value == wanted
    if isinstance(wanted, str):
        return isinstance(value, str) and _fold(value) == _fold(wanted)
    return isinstance(value, int) and not isinstance(value, bool) and value == wanted
