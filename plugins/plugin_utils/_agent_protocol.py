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

# The bootstrap is the only script text on the command line. It holds no request data, so the
# command line is the same bytes on every call; the agent and the request arrive on stdin as one
# JSON line. psrp (2.19+) delivers stdin one object per line, so every line of $input is joined.
BOOTSTRAP_SCRIPT = (
    "$ErrorActionPreference='Stop';"
    "$l=@($input)-join'';"
    "$p=ConvertFrom-Json $l;"
    "&([ScriptBlock]::Create($p.agent)) $p.request"
)

POWERSHELL_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "


def encode_powershell(script: str) -> str:
    """Return ``script`` as the base64 of its UTF-16-LE bytes, the form -EncodedCommand takes."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


BOOTSTRAP_COMMAND_LINE = POWERSHELL_PREFIX + encode_powershell(BOOTSTRAP_SCRIPT)


def agent_script() -> str:
    """Return the host agent's PowerShell text exactly as shipped."""
    with open(AGENT_SCRIPT_PATH, encoding="utf-8") as handle:
        return handle.read()


def agent_sha256(script: str | None = None) -> str:
    """Return the SHA-256 (hex) of the agent text's UTF-8 bytes."""
    text = agent_script() if script is None else script
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_request(operations: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """Wrap operations in a versioned request."""
    return {"protocol": PROTOCOL_VERSION, "agent_version": AGENT_VERSION, "operations": operations}


def build_stdin(request: dict[str, t.Any], script: str | None = None) -> bytes:
    """Return the one ASCII line that carries the agent and the request."""
    payload = {"agent": agent_script() if script is None else script, "request": request}
    line = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return line.encode("ascii") + b"\r\n"
