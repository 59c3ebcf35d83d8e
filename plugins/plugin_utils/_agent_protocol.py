# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wire contract with the host agent (internal use only).

Pure Python with no Ansible imports, so the simulated fleet in ``tests/winsim`` loads the very
same constants the controller sends. The protocol is described in ``docs/dev/agent-protocol.md``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import typing as t

PROTOCOL_VERSION = 1
AGENT_VERSION = "0.1.0"
AGENT_SCRIPT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_agent.ps1")
# The agent's optional parts (_agent_<part>.ps1), and the part each operation needs; the core
# (_agent.ps1) does read and apply. A request carries only the parts its operations use.
AGENT_PARTS = ("wmi", "service", "file", "configmgr", "tls")
PART_OF_OPERATION = {
    "wmi_query": "wmi",
    "service": "service",
    "sms_sysresuse_read": "configmgr",
    "sms_sysresuse_write": "configmgr",
    "file_read": "file",
    "file_write": "file",
    "tls_probe": "tls",
}

# The bootstrap is the only script text on the command line. It holds no request data, so the
# command line is the same bytes on every call; the agent and the request arrive on stdin as one
# JSON line. In order:
# - Constrained Language Mode (AppLocker / App Control) refuses [ScriptBlock]::Create and most .NET
#   types, so the language mode is checked first and answered as data the controller explains.
# - The console output encoding becomes UTF-8 without a byte-order mark (the answer is ASCII anyway;
#   this keeps a BOM out). Where there is no console (psrp runspace) setting it may fail: ignored.
# - psrp (2.19+) delivers stdin one object per line, so every line of $input is joined.
# - The parts come before the core in one script block; the request is its first argument.
BOOTSTRAP_SCRIPT = (
    "$ErrorActionPreference='Stop';"
    "$m=[string]$ExecutionContext.SessionState.LanguageMode;"
    'if($m-ne\'FullLanguage\'){\'{"protocol":1,"ok":false,"language_mode":"\'+$m+\'","results":[]}\'}else{'
    "try{[Console]::OutputEncoding=New-Object Text.UTF8Encoding $false}catch{};"
    "$l=@($input)-join'';"
    "$p=ConvertFrom-Json $l;"
    "&([ScriptBlock]::Create((@($p.parts)+@($p.agent))-join[char]10)) $p.request}"
)

POWERSHELL_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "


def encode_powershell(script: str) -> str:
    """Return ``script`` as the base64 of its UTF-16-LE bytes, the form -EncodedCommand takes."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


BOOTSTRAP_COMMAND_LINE = POWERSHELL_PREFIX + encode_powershell(BOOTSTRAP_SCRIPT)


# The texts are read and trimmed once per process. ansible-playbook imports an action plugin's module in its main
# process (the strategy loads the class to look at it) and forks a worker per host and task after that, so what is
# computed at import time here is inherited by every worker instead of being redone per host (warm_agent_texts).
@functools.cache
def agent_source(part: str | None = None) -> str:
    """Return the text of the agent's core (``part`` None) or of one part, as in the repository."""
    path = AGENT_SCRIPT_PATH if part is None else AGENT_SCRIPT_PATH.replace("_agent.ps1", f"_agent_{part}.ps1")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def shipped(text: str) -> str:
    """The agent text as sent: whole-line comments, blank lines and indentation dropped.

    Safe because the agent has no here-strings and no string spans lines (the grammar test parses
    the shipped text too).
    """
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("#")) + "\n"


APPLY_REGION = ("# region apply", "# endregion apply")


@functools.cache
def agent_script(with_apply: bool = True) -> str:
    """Return the host agent's core exactly as shipped.

    Without ``with_apply`` the core's apply region (``# region apply`` to ``# endregion apply``: the
    apply operation, its backup and rollback) is left out: a request without an apply does not need it.
    """
    source = agent_source()
    if not with_apply:
        start, end = (source.index(marker) for marker in APPLY_REGION)
        source = source[:start] + source[source.index("\n", end) + 1 :]
    return shipped(source)


@functools.cache
def agent_part(part: str) -> str:
    """Return one optional part of the agent exactly as shipped."""
    return shipped(agent_source(part))


def warm_agent_texts() -> None:
    """Read and trim every agent text now (see agent_source): called at import by the action plugins' frame."""
    for with_apply in (False, True):
        agent_script(with_apply)
    for part in AGENT_PARTS:
        agent_part(part)


def parts_for(request: dict[str, t.Any]) -> list[str]:
    """The parts a request's operations need, in AGENT_PARTS order."""
    operations = request.get("operations") or []
    needed = {PART_OF_OPERATION.get(str(op.get("op"))) for op in operations if isinstance(op, dict)}
    return [part for part in AGENT_PARTS if part in needed]


def agent_sha256(script: str | None = None) -> str:
    """Return the SHA-256 (hex) of the agent text's UTF-8 bytes (the shipped core by default)."""
    text = agent_script() if script is None else script
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_request(operations: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """Wrap operations in a versioned request."""
    return {"protocol": PROTOCOL_VERSION, "agent_version": AGENT_VERSION, "operations": operations}


def build_payload(request: dict[str, t.Any], script: str | None = None) -> dict[str, t.Any]:
    """The stdin object: the core, the parts the request needs, the request."""
    parts = [agent_part(part) for part in parts_for(request)]
    with_apply = any(isinstance(op, dict) and op.get("op") == "apply" for op in request.get("operations") or [])
    agent = agent_script(with_apply) if script is None else script
    return {"agent": agent, "parts": parts, "request": request}


def agent_bytes(payload: dict[str, t.Any]) -> int:
    """UTF-8 bytes of agent text (core and parts) a payload ships."""
    return sum(len(text.encode("utf-8")) for text in [payload["agent"], *payload["parts"]])


def build_stdin(request: dict[str, t.Any], script: str | None = None) -> bytes:
    """Return the one ASCII line that carries the agent, its parts and the request."""
    return encode_stdin(build_payload(request, script))


def encode_stdin(payload: dict[str, t.Any]) -> bytes:
    """The payload as one ASCII JSON line."""
    line = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return check_request_size(line.encode("ascii") + b"\r\n")


# --- bounds of what goes to a host and of what comes back (docs/robustness.md) ----------------------------

# Windows PowerShell 5.1's ConvertFrom-Json (JavaScriptSerializer) refuses input longer than
# MaxJsonLength, 2,097,152 characters by default; the bootstrap parses the whole stdin line with it.
# Half of that leaves room for whatever the line's framing adds on the way.
MAX_REQUEST_BYTES = 1_048_576
# One host must not be able to exhaust the controller: its answer is bounded before it is parsed, and
# every list, string and nesting level after.
MAX_ANSWER_CHARS = 8_388_608
MAX_ANSWER_DEPTH = 32
MAX_ANSWER_ITEMS = 100_000
MAX_ANSWER_STRING = 1_048_576  # a registry value in the standard format holds at most 1 MB
MAX_KEY_PATH = 32_767  # ours: 512 levels of 255-character names would be longer (Registry element size limits)
MAX_KEY_NAME = 255  # Registry element size limits: key name
MAX_VALUE_NAME = 16_383  # Registry element size limits: value name
HIVES = ("HKLM", "HKCU", "HKU", "HKCR")
VALUE_TYPES = ("string", "expandstring", "multistring", "dword", "qword", "binary", "none")


class RequestTooLarge(ValueError):
    """A request the host could not read; nothing was sent. The message is meant for the user."""


class AnswerError(ValueError):
    """An answer that does not have the protocol's shape or exceeds its bounds; ``field`` says where."""

    def __init__(self, field: str, problem: str, operations: list[dict[str, t.Any]] | None = None) -> None:
        self.field, self.problem = field, problem
        self.detail = f"the host agent's answer is malformed at {field}: {problem}"
        message = self.detail
        if any(may_write(operation) for operation in operations or []):
            message += (
                "; the command may have written to the host before it answered: run the task again to converge,"
                " or put the host back with proxyfleet.windows.proxy_restore"
            )
        super().__init__(message)


def may_write(operation: dict[str, t.Any]) -> bool:
    """Whether an operation changes the host when it runs (a lost or malformed answer hides whether it did)."""
    op = operation.get("op")
    return op in ("apply", "sms_sysresuse_write", "file_write") or (
        op == "service" and operation.get("action") == "restart"
    )


def check_request_size(stdin: bytes) -> bytes:
    """Return ``stdin`` when one host command can carry it; raise :class:`RequestTooLarge` otherwise."""
    if len(stdin) > MAX_REQUEST_BYTES:
        raise RequestTooLarge(
            f"this task would send {len(stdin):,} bytes to the host in one command, more than the "
            f"{MAX_REQUEST_BYTES:,} this collection sends (Windows PowerShell 5.1's ConvertFrom-Json reads at most "
            "2,097,152 characters); give fewer or shorter values per task (bypass lists, surfaces); nothing was sent"
        )
    return stdin


def check_answer_text(operations: list[dict[str, t.Any]], stdout: str) -> None:
    """Bound an answer before it is parsed: its length and how deeply it nests.

    Raises:
        AnswerError: naming what is too large.
    """
    if len(stdout) > MAX_ANSWER_CHARS:
        problem = f"{len(stdout):,} characters, more than the {MAX_ANSWER_CHARS:,} accepted"
        raise AnswerError("stdout", problem, operations)
    # json.loads recurses once per level and would raise RecursionError; count the levels first
    # (strings taken out, so brackets inside them do not count).
    depth = 0
    for bracket in _BRACKETS.sub("", _JSON_STRING.sub("", stdout)):
        if bracket in "[{":
            depth += 1
            if depth > MAX_ANSWER_DEPTH:
                raise AnswerError("stdout", f"nested more than {MAX_ANSWER_DEPTH} levels deep", operations)
        else:
            depth -= 1


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: linear and fast
_BRACKETS = re.compile(r"[^\[\]{}]+")


def check_answer(operations: list[dict[str, t.Any]], response: dict[str, t.Any]) -> None:
    """Check a decoded answer's shape and bounds before anything uses it (see :func:`_check_answer`)."""
    try:
        _check_answer(operations, response)
    except AnswerError as exc:
        raise AnswerError(exc.field, exc.problem, operations) from None


def _check_answer(operations: list[dict[str, t.Any]], response: dict[str, t.Any]) -> None:
    """Check a decoded answer's shape and bounds before anything uses it.

    Every list, string and number is bounded; the results of ``read`` and ``apply`` (the registry,
    which every module uses) are checked field by field, the other operations' results for their
    ``op`` and ``status``.

    Raises:
        AnswerError: naming the field, e.g. ``results[0].keys[3].view``.
    """
    _check_bounds("answer", response, 0)
    results = response.get("results")
    if not isinstance(results, list) or len(results) != len(operations):
        count = len(results) if isinstance(results, list) else type(results).__name__
        raise AnswerError("results", f"{count} results for {len(operations)} operations")
    for index, (operation, result) in enumerate(zip(operations, results, strict=True)):
        where = f"results[{index}]"
        _need(isinstance(result, dict), where, "expected an object")
        _need(result.get("op") == operation.get("op"), f"{where}.op", f"expected {operation.get('op')!r}")
        _need(isinstance(result.get("status"), str), f"{where}.status", "expected text")
        if result["status"] == "error":
            _need(isinstance(result.get("error"), str), f"{where}.error", "expected text")
        elif operation.get("op") == "read":
            _check_read(where, result)
        elif operation.get("op") == "apply":
            _check_apply(where, result)
        elif operation.get("op") == "service":
            _check_service(where, result)
        elif operation.get("op") == "wmi_query":
            _check_wmi_query(where, result, operation)
        elif operation.get("op") == "sms_sysresuse_read":
            _check_sms_read(where, result)


def _need(condition: bool, field: str, problem: str) -> None:
    if not condition:
        raise AnswerError(field, problem)


class _OutOfBounds(Exception):
    """Raised where a bound is exceeded; each level on the way out adds its part of the field's name."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.parts: list[str] = []


def _check_bounds(field: str, value: t.Any, depth: int) -> None:
    try:
        _within_bounds(value, depth)
    except _OutOfBounds as exc:
        raise AnswerError(field + "".join(reversed(exc.parts))[:200], exc.problem) from None


def _within_bounds(value: t.Any, depth: int) -> None:
    # Field names are built only on the way out of an error: answers hold many thousands of values.
    if depth > MAX_ANSWER_DEPTH:
        raise _OutOfBounds(f"nested more than {MAX_ANSWER_DEPTH} levels deep")
    if isinstance(value, str):
        if len(value) > MAX_ANSWER_STRING:
            raise _OutOfBounds(f"{len(value):,} characters, more than {MAX_ANSWER_STRING:,}")
    elif isinstance(value, (list, dict)):
        if len(value) > MAX_ANSWER_ITEMS:
            raise _OutOfBounds(f"{len(value):,} items, more than {MAX_ANSWER_ITEMS:,}")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(item, (str, list, dict)):
                try:
                    _within_bounds(item, depth + 1)
                except _OutOfBounds as exc:
                    exc.parts.append(f".{key}" if isinstance(value, dict) else f"[{key}]")
                    raise


def _check_read(where: str, result: dict[str, t.Any]) -> None:
    if result["status"] != "ok":
        raise AnswerError(f"{where}.status", f"expected 'ok' or 'error', got {result['status'][:40]!r}")
    keys = result.get("keys")
    if not isinstance(keys, list):
        raise AnswerError(f"{where}.keys", "expected a list")
    for index, key in enumerate(keys):
        _check_key(f"{where}.keys[{index}]", key)


def _check_key(where: str, key: t.Any) -> None:
    _need(isinstance(key, dict), where, "expected an object")
    if "error" in key:  # a key the host could not read: reported for that key
        _need(isinstance(key["error"], str), f"{where}.error", "expected text")
    hive = key.get("hive")
    _need(isinstance(hive, str) and hive.upper() in HIVES, f"{where}.hive", f"expected one of {', '.join(HIVES)}")
    _check_path(f"{where}.path", key.get("path"))
    _need(_is_int(key.get("view")) and key["view"] in (64, 32), f"{where}.view", "expected 64 or 32")
    _need(isinstance(key.get("exists"), bool), f"{where}.exists", "expected true or false")
    values, subkeys = key.get("values"), key.get("subkeys", [])
    _need(isinstance(values, list), f"{where}.values", "expected a list")
    _need(isinstance(subkeys, list), f"{where}.subkeys", "expected a list")
    for index, value in enumerate(values):
        _check_value(f"{where}.values[{index}]", value)
    for index, name in enumerate(subkeys):
        field = f"{where}.subkeys[{index}]"
        _need(isinstance(name, str) and 0 < len(name) <= MAX_KEY_NAME, field, "expected a key name")
    if "pattern" in key:
        _need(isinstance(key["pattern"], str), f"{where}.pattern", "expected text")


def _check_path(field: str, path: t.Any) -> None:
    _need(isinstance(path, str) and len(path) <= MAX_KEY_PATH, field, "expected a key path")
    names = path.split("\\") if path else []
    _need(all(0 < len(name) <= MAX_KEY_NAME for name in names), field, "expected names of 1-255 characters")


def _check_value(where: str, value: t.Any, *, name_required: bool = True) -> None:
    _need(isinstance(value, dict), where, "expected an object")
    name = value.get("name")
    if name_required or name is not None:
        _need(isinstance(name, str) and len(name) <= MAX_VALUE_NAME, f"{where}.name", "expected a value name")
    kind, data = value.get("type"), value.get("data")
    _need(kind in VALUE_TYPES, f"{where}.type", f"expected one of {', '.join(VALUE_TYPES)}")
    field = f"{where}.data"
    if kind in ("string", "expandstring"):
        _need(isinstance(data, str), field, f"expected text for a {kind} value")
    elif kind == "multistring":
        _need(isinstance(data, list) and all(isinstance(item, str) for item in data), field, "expected a list of text")
    elif kind in ("dword", "qword"):
        top = 0xFFFFFFFF if kind == "dword" else 0xFFFFFFFFFFFFFFFF
        _need(_is_int(data) and 0 <= data <= top, field, f"expected an integer 0..{top} for a {kind} value")
    else:
        _need(isinstance(data, str) and _is_base64(data), field, f"expected base64 for a {kind} value")


def _check_apply(where: str, result: dict[str, t.Any]) -> None:
    status = result["status"]
    _need(status in ("applied", "precondition_failed", "failed"), f"{where}.status", "expected applied, "
          "precondition_failed, failed or error")  # fmt: skip
    backup_id = result.get("backup_id")
    _need(backup_id is None or (isinstance(backup_id, str) and len(backup_id) <= 64), f"{where}.backup_id",
          "expected a backup id or null")  # fmt: skip
    if status == "applied":
        after = result.get("after")
        # The write is done even when its read back failed: then 'after' is null and 'after_error' says why.
        if after is None and isinstance(result.get("after_error"), str):
            return
        if not isinstance(after, list):
            raise AnswerError(f"{where}.after", "expected a list")
        for index, entry in enumerate(after):
            field = f"{where}.after[{index}]"
            _need(isinstance(entry, dict) and isinstance(entry.get("exists"), bool), f"{field}.exists",
                  "expected true or false")  # fmt: skip
            _check_path(f"{field}.path", entry.get("path"))
            if entry["exists"] and "type" in entry:
                _check_value(field, entry, name_required=False)
    elif status == "precondition_failed":
        failed = result.get("failed")
        _need(isinstance(failed, list) and all(isinstance(item, dict) for item in failed), f"{where}.failed",
              "expected a list of objects")  # fmt: skip
    else:
        _need(isinstance(result.get("error"), str), f"{where}.error", "expected text")


def _check_service(where: str, result: dict[str, t.Any]) -> None:
    status = result["status"]
    _need(
        status in ("ok", "missing", "denied", "failed"),
        f"{where}.status",
        "expected ok, missing, denied, failed or error",
    )
    if status in ("denied", "failed"):
        _need(isinstance(result.get("error"), str), f"{where}.error", "expected text")
    if status in ("ok", "failed"):
        for field in ("name", "before", "after"):
            _need(isinstance(result.get(field), str), f"{where}.{field}", "expected text")
        _need(isinstance(result.get("restarted"), bool), f"{where}.restarted", "expected true or false")
        dependents = result.get("dependents", [])
        _need(isinstance(dependents, list) and all(isinstance(item, dict) for item in dependents),
              f"{where}.dependents", "expected a list of objects")  # fmt: skip


# A loaded user hive a per-user wmi_query names (the agent's $WmiUserSidPattern).
USER_SID = re.compile(r"S-1-(?:5-21|12-1)(?:-[0-9]{1,10}){1,15}")


def _check_wmi_query(where: str, result: dict[str, t.Any], operation: dict[str, t.Any]) -> None:
    _need(result["status"] == "ok", f"{where}.status", "expected ok or error")
    if operation.get("per_user"):
        _check_wmi_users(where, result, operation)
        return
    _check_instances(where, result.get("instances"))


def _check_instances(where: str, instances: t.Any) -> None:
    if not isinstance(instances, list):
        raise AnswerError(f"{where}.instances", "expected a list")
    for index, instance in enumerate(instances):
        _need(isinstance(instance, dict), f"{where}.instances[{index}]", "expected an object")


def _check_wmi_users(where: str, result: dict[str, t.Any], operation: dict[str, t.Any]) -> None:
    """A per-user answer: at most ``max_users`` users, each a loaded user's SID with its instances."""
    users = result.get("users")
    if not isinstance(users, list):
        raise AnswerError(f"{where}.users", "expected a list")
    _need(len(users) <= int(operation.get("max_users") or 0), f"{where}.users", "more users than asked for")
    skipped = result.get("not_queried")
    _need(
        isinstance(skipped, int) and not isinstance(skipped, bool) and skipped >= 0,
        f"{where}.not_queried",
        "expected a count",
    )
    for index, user in enumerate(users):
        field = f"{where}.users[{index}]"
        _need(isinstance(user, dict), field, "expected an object")
        sid = user.get("sid")
        _need(isinstance(sid, str) and USER_SID.fullmatch(sid) is not None, f"{field}.sid", "expected a user's SID")
        _need(user.get("missing") in (None, "namespace", "class"), f"{field}.missing", "expected namespace or class")
        _check_instances(field, user.get("instances"))


def _check_sms_read(where: str, result: dict[str, t.Any]) -> None:
    _need(result["status"] == "ok", f"{where}.status", "expected ok or error")
    for field in ("server", "site_code"):
        _need(result.get(field) is None or isinstance(result[field], str), f"{where}.{field}", "expected text")
    instances = result.get("instances")
    if not isinstance(instances, list):
        raise AnswerError(f"{where}.instances", "expected a list")
    for index, instance in enumerate(instances):
        field = f"{where}.instances[{index}]"
        _need(isinstance(instance, dict) and isinstance(instance.get("role"), str), f"{field}.role", "expected text")
        props = instance.get("props")
        if not isinstance(props, list):
            raise AnswerError(f"{field}.props", "expected a list")
        for number, prop in enumerate(props):
            _check_sms_prop(f"{field}.props[{number}]", prop)


def _check_sms_prop(where: str, prop: t.Any) -> None:
    _need(isinstance(prop, dict) and isinstance(prop.get("name"), str), f"{where}.name", "expected text")
    number = prop.get("value")
    _need(number is None or (_is_int(number) and 0 <= number <= 0xFFFFFFFF), f"{where}.value",
          "expected an integer 0..4294967295 or null")  # fmt: skip
    for field in ("value1", "value2"):
        _need(prop.get(field) is None or isinstance(prop[field], str), f"{where}.{field}", "expected text or null")


def _is_int(value: t.Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        return False
    return True
