"""The twin's ConfigMgr site control and file operations (``sms_sysresuse_read``/``_write``, ``file_read``/``_write``).

They answer from, and change, the host's facts (``<host>.json``) exactly as ``docs/dev/agent-protocol.md``
specifies for the agent:

    {"fqdn": "cm01.contoso.com",
     "sms": {"site_code": "PS1",
             "instances": [{"site_code": "PS1", "server": "cm01.contoso.com", "role": "SMS Site System",
                            "item_name": "...",
                            "props": [{"name": "UseProxy", "value": 0, "value1": "", "value2": ""}]}],
             "pending_edits": [{"role": "SMS Site System", "server": "cm01.contoso.com", "name": "ProxyName",
                                "set": {"value": 0, "value1": "", "value2": "other.proxy"}}]},
     "files": {"C:\\\\dir\\\\file.config": {"base64": "..."} or {"text": "..."}},
     "program_data": "C:\\\\ProgramData"}

No ``sms`` key is a host without an SMS Provider (``missing: provider``). ``pending_edits`` simulate
another administrator: they are applied to the site control data (and removed) when the next
``sms_sysresuse_write`` starts, i.e. between the controller's read and its write.

Functions raise :class:`InputError` for invalid input (the operation fails with ``status: error``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import typing as t

SITE_CODE = re.compile(r"[A-Za-z0-9]{3}")
SERVER = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}")
SMS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}")
FILE_PATH = re.compile(r'[A-Za-z]:\\[^<>:"/|?*\x00-\x1F]+')
SHA256 = re.compile(r"[0-9a-f]{64}")
BACKUP_ID = re.compile(r"[0-9A-Za-z._-]{1,64}")
FILE_MAX_BYTES = 4194304
FILE_BACKUP_FOLDER = "proxyfleet\\FileBackups"
UINT32_MAX = 4294967295
# .NET's Convert.FromBase64String message, which the agent reports.
BAD_BASE64 = (
    "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding"
    " characters, or an illegal character among the padding characters."
)


class InputError(Exception):
    """The operation's input is invalid; nothing was read or written."""


def _same(left: str, right: str) -> bool:
    return left.upper() == right.upper()


# ---------------------------------------------------------------------------------------------
# SMS_SCI_SysResUse


def _site_code(value: t.Any) -> str:
    if not isinstance(value, str) or not SITE_CODE.fullmatch(value):
        raise InputError(f"invalid site code '{_text(value)}'")
    return value.upper()


def _server(value: t.Any) -> str:
    if not isinstance(value, str) or not SERVER.fullmatch(value):
        raise InputError(f"invalid server name '{_text(value)}'")
    return value


def _sms_name(value: t.Any, what: str) -> str:
    if not isinstance(value, str) or not SMS_NAME.fullmatch(value):
        raise InputError(f"invalid {what} '{_text(value)}'")
    return value


def _text(value: t.Any) -> str:
    """A value as PowerShell interpolates it into a message ($null is empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _instances(facts: dict[str, t.Any], site_code: str, server: str) -> list[dict[str, t.Any]]:
    rows = facts["sms"].get("instances") or []
    return [row for row in rows if _same(row.get("site_code", ""), site_code) and _same(row.get("server", ""), server)]


def _entry(row: dict[str, t.Any]) -> dict[str, t.Any]:
    return {
        "role": row["role"],
        "item_name": row.get("item_name", ""),
        "network_os_path": "\\\\" + row["server"],
        "props": [
            {"name": p["name"], "value": p.get("value"), "value1": p.get("value1"), "value2": p.get("value2")}
            for p in row.get("props", [])
        ],
    }


def _prop_state(row: dict[str, t.Any], name: str) -> dict[str, t.Any]:
    for prop in row.get("props", []):
        if _same(prop["name"], name):
            return {
                "exists": True,
                "value": prop.get("value"),
                "value1": prop.get("value1"),
                "value2": prop.get("value2"),
            }
    return {"exists": False}


def _find_role(rows: list[dict[str, t.Any]], role: str) -> dict[str, t.Any] | None:
    return next((row for row in rows if _same(row["role"], role)), None)


def sysresuse_read(facts: dict[str, t.Any], op: dict[str, t.Any]) -> dict[str, t.Any]:
    """``sms_sysresuse_read``: the server's instances with their embedded properties."""
    site_code = op.get("site_code")
    if site_code is not None:
        site_code = _site_code(site_code)
    server = op.get("server")
    server = facts.get("fqdn", "localhost") if server is None else _server(server)
    if "sms" not in facts:
        if site_code is None:
            return {
                "op": "sms_sysresuse_read", "status": "ok", "site_code": None, "server": server,
                "instances": [], "missing": "provider",
            }  # fmt: skip
        raise InputError("Invalid namespace ")
    if site_code is None:
        site_code = _local_site_code(facts["sms"])
    instances = [_entry(row) for row in _instances(facts, site_code, server)]
    return {
        "op": "sms_sysresuse_read",
        "status": "ok",
        "site_code": site_code,
        "server": server,
        "instances": instances,
    }


def _prop_fields(fields: t.Any, where: str) -> None:
    value = fields.get("value") if isinstance(fields, dict) else None
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= UINT32_MAX):
        raise InputError(f"invalid {where}.value")
    for name in ("value1", "value2"):
        text = fields.get(name) if isinstance(fields, dict) else None
        if text is not None and not isinstance(text, str):
            raise InputError(f"invalid {where}.{name}")


def _prop_change(change: t.Any) -> None:
    change = change if isinstance(change, dict) else {}
    _sms_name(change.get("role"), "role name")
    _sms_name(change.get("name"), "property name")
    expect = change.get("expect")
    if not isinstance(expect, dict) or not isinstance(expect.get("exists"), bool):
        raise InputError("'expect' must be an object with a boolean 'exists'")
    if expect["exists"]:
        _prop_fields(expect, "expect")
    if change.get("set") is not None:
        if not isinstance(change["set"], dict):
            raise InputError("invalid 'set'")
        _prop_fields(change["set"], "set")


def _expected(state: dict[str, t.Any], expect: dict[str, t.Any]) -> bool:
    if expect["exists"] != state["exists"]:
        return False
    if not state["exists"]:
        return True
    return all(expect.get(field) == state[field] for field in ("value", "value1", "value2"))


def _set_prop(row: dict[str, t.Any], name: str, fields: dict[str, t.Any]) -> None:
    props = row.setdefault("props", [])
    target = next((prop for prop in props if _same(prop["name"], name)), None)
    if target is None:
        target = {"name": name}
        props.append(target)
    target.update(value=fields.get("value"), value1=fields.get("value1"), value2=fields.get("value2"))


def apply_pending_edits(facts: dict[str, t.Any]) -> bool:
    """Another administrator's changes, queued in the facts: apply and forget them. True if any."""
    edits = facts["sms"].pop("pending_edits", None) or []
    for edit in edits:
        for row in facts["sms"].get("instances") or []:
            if _same(row["role"], edit["role"]) and _same(row["server"], edit["server"]):
                _set_prop(row, edit["name"], edit["set"])
    return bool(edits)


def _local_site_code(sms: dict[str, t.Any]) -> str:
    """The site of the providers with ProviderForLocalSite = true, as the agent finds it.

    ``sms.providers`` lists the SMS_ProviderLocation rows (``site_code``, ``machine``, ``local``); a site
    with several SMS Providers has one row per provider. Without it: one row for ``sms.site_code``.
    """
    rows = sms.get("providers") or [{"site_code": sms["site_code"], "local": True}]
    codes: list[str] = []
    for row in rows:
        code = str(row["site_code"]).upper()
        if row.get("local") is True and code not in codes:
            codes.append(code)
    if len(codes) != 1:
        raise InputError(
            f"root\\SMS names {len(codes)} sites with ProviderForLocalSite = true ({', '.join(codes)}):"
            " give the site code"
        )
    return codes[0]


def sysresuse_write(facts: dict[str, t.Any], op: dict[str, t.Any]) -> tuple[dict[str, t.Any], bool]:
    """``sms_sysresuse_write``; returns the result and whether the facts changed."""
    site_code = _site_code(op.get("site_code"))
    server = _server(op.get("server"))
    changes = op.get("changes")
    if not isinstance(changes, list):
        raise InputError("'changes' must be a list")
    for index, change in enumerate(changes):
        try:
            _prop_change(change)
        except InputError as exc:
            raise InputError(f"changes[{index}]: {exc}") from None
    if "sms" not in facts:
        raise InputError("Invalid namespace ")
    edited = apply_pending_edits(facts)
    base = {"op": "sms_sysresuse_write", "site_code": site_code, "server": server}
    rows = _instances(facts, site_code, server)
    failed = []
    for index, change in enumerate(changes):
        row = _find_role(rows, change["role"])
        state = None if row is None else _prop_state(row, change["name"])
        if state is None or not _expected(state, change["expect"]):
            failed.append({"index": index, "role": change["role"], "name": change["name"], "current": state})
    if failed:
        return {**base, "status": "precondition_failed", "failed": failed}, edited
    written = [change for change in changes if change.get("set") is not None]
    if not written:
        return {**base, "status": "written", "committed": False, "after": []}, edited
    for change in written:
        row = _find_role(rows, change["role"])
        assert row is not None
        _set_prop(row, change["name"], change["set"])
    # Committed. ``sms.faults``: {"readback": "<message>", "release": "<message>"} make the steps after the
    # commit fail, as the agent reports them: beside the committed write, never instead of it.
    faults = facts["sms"].get("faults") or {}
    result: dict[str, t.Any] = {**base, "status": "written", "committed": True, "after": None}
    if faults.get("readback"):
        result["after_error"] = faults["readback"]
    else:
        result["after"] = [
            {"index": index, "role": change["role"], "name": change["name"],
             "current": None if (row := _find_role(rows, change["role"])) is None else _prop_state(row, change["name"])}
            for index, change in enumerate(changes)
        ]  # fmt: skip
    if faults.get("release"):
        result["release_error"] = faults["release"]
    return result, True


# ---------------------------------------------------------------------------------------------
# Files


def _file_path(value: t.Any) -> str:
    if not isinstance(value, str):
        raise InputError("'path' must be a string")
    names = value.split("\\")
    if not FILE_PATH.fullmatch(value) or "" in names or "." in names or ".." in names:
        raise InputError(
            f"invalid file path '{value}' (expected an absolute local path such as C:\\dir\\file.txt,"
            " without empty, '.' or '..' names)"
        )
    return value


def _files(facts: dict[str, t.Any]) -> dict[str, t.Any]:
    files: dict[str, t.Any] = facts.setdefault("files", {})
    return files


def _find_file(facts: dict[str, t.Any], path: str) -> str | None:
    """The stored name of the file at ``path`` (Windows paths ignore case), or None."""
    return next((name for name in _files(facts) if _same(name, path)), None)


def file_bytes(entry: dict[str, t.Any]) -> bytes:
    """A file entry's content: ``base64`` or UTF-8 ``text``."""
    if "base64" in entry:
        return base64.b64decode(entry["base64"])
    return str(entry.get("text", "")).encode("utf-8")


def _file_state(facts: dict[str, t.Any], path: str) -> dict[str, t.Any]:
    name = _find_file(facts, path)
    if name is None:
        return {"exists": False}
    data = file_bytes(_files(facts)[name])
    if len(data) > FILE_MAX_BYTES:
        raise InputError(f"file '{path}' has {len(data)} bytes, more than the {FILE_MAX_BYTES} the agent reads")
    return {
        "exists": True, "length": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        "content": base64.b64encode(data).decode("ascii"),
    }  # fmt: skip


def file_read(facts: dict[str, t.Any], op: dict[str, t.Any]) -> dict[str, t.Any]:
    """``file_read``: content (base64), length and SHA-256 of one file."""
    path = _file_path(op.get("path"))
    return {"op": "file_read", "status": "ok", "path": path, **_file_state(facts, path)}


def _file_expect(expect: t.Any) -> dict[str, t.Any]:
    if not isinstance(expect, dict) or not isinstance(expect.get("exists"), bool):
        raise InputError("'expect' must be an object with a boolean 'exists'")
    if expect["exists"] and not (isinstance(expect.get("sha256"), str) and SHA256.fullmatch(expect["sha256"])):
        raise InputError("invalid 'expect.sha256'")
    return expect


def _backup_spec(backup: t.Any) -> tuple[str, int]:
    backup_id = backup.get("id") if isinstance(backup, dict) else None
    keep = backup.get("keep") if isinstance(backup, dict) else None
    if not isinstance(backup_id, str) or not BACKUP_ID.fullmatch(backup_id):
        raise InputError(f"invalid backup id '{_text(backup_id)}'")
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise InputError(f"invalid backup keep '{_text(keep)}'")
    return backup_id, keep


def _write_backup(facts: dict[str, t.Any], backup_id: str, keep: int, path: str, data: bytes) -> str:
    root = facts.get("program_data", "C:\\ProgramData") + "\\" + FILE_BACKUP_FOLDER
    folder = f"{root}\\{backup_id}"
    files = _files(facts)
    if any(name.upper().startswith(folder.upper() + "\\") for name in files):
        raise InputError(f"backup {backup_id} already exists under {root}")
    copy = f"{folder}\\{path.rsplit(chr(92), 1)[-1]}"
    files[copy] = {"base64": base64.b64encode(data).decode("ascii")}
    files[f"{folder}\\source.txt"] = {"text": path}
    prefix = root.upper() + "\\"
    folders = sorted({name[len(prefix) :].split("\\")[0] for name in files if name.upper().startswith(prefix)})
    for old in folders[: max(len(folders) - keep, 0)]:
        for name in [n for n in files if n.upper().startswith(prefix + old.upper() + "\\")]:
            del files[name]
    return copy


def file_write(facts: dict[str, t.Any], op: dict[str, t.Any]) -> tuple[dict[str, t.Any], bool]:
    """``file_write``: precondition on the content hash, backup copy, replace; returns (result, changed)."""
    path = _file_path(op.get("path"))
    content = op.get("content")
    if not isinstance(content, str):
        raise InputError("invalid 'content'")
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(BAD_BASE64) from None
    expect = _file_expect(op.get("expect"))
    backup_id, keep = _backup_spec(op.get("backup"))
    current = _file_state(facts, path)
    if current["exists"] != expect["exists"] or (current["exists"] and current["sha256"] != expect["sha256"]):
        seen = {"exists": current["exists"]}
        if current["exists"]:
            seen["sha256"] = current["sha256"]
        return {"op": "file_write", "status": "precondition_failed", "path": path, "current": seen}, False
    backup_path = None
    stored = _find_file(facts, path)
    if stored is not None:
        backup_path = _write_backup(facts, backup_id, keep, path, file_bytes(_files(facts)[stored]))
        del _files(facts)[stored]
    _files(facts)[stored or path] = {"base64": base64.b64encode(data).decode("ascii")}
    result = {
        "op": "file_write", "status": "written", "path": path, "backup_id": backup_id if backup_path else None,
        "backup_path": backup_path, "length": len(data), "sha256": hashlib.sha256(data).hexdigest(),
    }  # fmt: skip
    return result, True
