# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redaction of credentials written into proxy strings and URLs (internal use only).

Windows stores a proxy as text, and nothing stops an administrator from writing
``http://user:password@proxy:8080`` or ``user:password@proxy:8080`` into it. Such a value may come
back from a host, or be typed into an option; either way the password must not reach a result, a
diff, an error message or a report. Results, messages and the report code all call
:func:`redact_credentials` (or :func:`redact` for a whole result), so there is one rule.

Pure Python with no Ansible imports, so the report code and the tests can call it anywhere.
"""

from __future__ import annotations

import json
import re
import typing as t

REDACTED = "********"

# ``user:password@`` where a proxy or URL can start: at the beginning, after ``://``, after a per-scheme
# ``=`` or a list separator, or after a quote or bracket of a message. The password may itself hold
# '@' (the greedy match runs to the last '@' before a separator), never a separator or a '/'.
_CREDENTIALS = re.compile(
    r"(?<![^\s=;,'\"(\[/])"  # preceded by nothing, or by one of these characters
    r"(?P<user>[^\s/@:;=,'\"\[\]]+):(?P<password>[^\s/;,'\"]+)@"
)


def redact_credentials(text: str) -> str:
    """``text`` with the ``user:password`` of every ``user:password@`` replaced by :data:`REDACTED`."""
    if "@" not in text:
        return text
    return _CREDENTIALS.sub(f"{REDACTED}@", text)


def redact(value: t.Any) -> t.Any:
    """A copy of a result (dicts, lists, tuples, strings) with credentials redacted in every string.

    Every credential holds an '@': a result whose JSON text has none is returned as it is, after one
    serialisation in C instead of a Python call per node (most results; see docs/performance.md).
    """
    if isinstance(value, (dict, list)):
        try:
            if "@" not in json.dumps(value, ensure_ascii=False, default=repr):
                return value
        except (TypeError, ValueError):  # keys that are not text, a cycle: walk it
            pass
    return _redact_walk(value)


def _redact_walk(value: t.Any) -> t.Any:
    if isinstance(value, str):
        return redact_credentials(value)
    if isinstance(value, dict):
        return {_redact_walk(key): _redact_walk(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_walk(item) for item in value)
    return value
