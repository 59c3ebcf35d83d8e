# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wire contract with the host agent (internal use only).

Pure Python with no Ansible imports, so the simulated fleet in ``tests/winsim`` loads the very
same constants the controller sends. The protocol is described in ``docs/dev/agent-protocol.md``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
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


def agent_part(part: str) -> str:
    """Return one optional part of the agent exactly as shipped."""
    return shipped(agent_source(part))


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
    return line.encode("ascii") + b"\r\n"
