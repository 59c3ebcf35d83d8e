# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a compliance.json someone else wrote: bounded, shape-checked, upgraded (internal use only).

``compliance_merge`` reads the slices of a sliced run and the ``previous`` report of a trend; the callback reads
``previous``. Those files travel through artifact stores and shares: each is read with a size bound and every
field the merge or the trend relies on is checked, so a damaged or hostile file fails with the file and the
field named instead of producing a report that looks right. Versions 1 to ``SCHEMA_VERSION`` are read; a host's
status is recomputed from its own fields with the rules of ``_report_model.HostReport.status`` (version 1
called a host where nothing was checked ``unknown`` or ``compliant``; version 2 and later must agree).
"""

from __future__ import annotations

import json
import os
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import (
    SCHEMA,
    SCHEMA_VERSION,
    SEVERITIES,
    STATUSES,
    frozen_value,
)

# 100,000 hosts x 20 settings make a compliance.json of about 300 MB; a slice of a real fleet is far smaller.
MAX_REPORT_BYTES = 1024 * 1024 * 1024
MAX_HOSTS = 1_000_000
MAX_NAME = 1024
_HOST_KEYS = ("name", "status", "unreachable", "problems", "surfaces", "settings", "findings", "owners")
_SETTING_TEXT = ("setting", "surface", "action")
# setting, surface, current, desired, compliant, owner, action, held: a row with other keys is checked and kept
# apart.
_SETTING_KEYS = 8
OWNER_KINDS = ("group_policy", "mdm", "group_policy_preferences", "preference")
GPO_OWNERS = ("group_policy", "group_policy_preferences")


class ReportFileError(ValueError):
    """A report file that cannot be used; the message names the file and the field."""


def read_report(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_REPORT_BYTES,
    shared_rows: dict[tuple[t.Any, ...], dict[str, t.Any]] | None = None,
) -> dict[str, t.Any]:
    """The document of a compliance.json, checked and upgraded to the current shape.

    Equal setting rows become one shared dict (as the callback's document has them, see
    ``_report_model.RowDicts``); give the same ``shared_rows`` to every slice of a merge to share across them.

    Raises ``ReportFileError`` naming ``path`` when the file is missing, unreadable, too large, not JSON, not a
    compliance report, of a newer schema version, or when a field has the wrong shape.
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                raise ReportFileError(f"{name}: {size} bytes, more than the {max_bytes} a compliance report may have")
            raw = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise ReportFileError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise ReportFileError(f"{name}: is a directory, not a compliance.json") from None
    except OSError as exc:
        raise ReportFileError(f"{name}: cannot be read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:  # grew while being read
        raise ReportFileError(f"{name}: more than the {max_bytes} bytes a compliance report may have")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportFileError(f"{name}: not JSON: {exc}") from None
    except RecursionError:
        raise ReportFileError(f"{name}: not JSON a report can be: nested too deeply") from None
    return checked_document(document, name, {} if shared_rows is None else shared_rows)


def checked_document(
    document: t.Any, name: str, shared_rows: dict[tuple[t.Any, ...], dict[str, t.Any]] | None = None
) -> dict[str, t.Any]:
    """``document`` as read from ``name`` (for messages), checked; hosts get the status their fields give."""
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise ReportFileError(f"{name}: not a proxyfleet.windows compliance report (field 'schema' is not {SCHEMA!r})")
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= SCHEMA_VERSION:
        raise ReportFileError(
            f"{name}: field 'schema_version' is {version!r}; this collection reads versions 1 to {SCHEMA_VERSION} "
            "(a newer version was written by a newer proxyfleet.windows: update the collection that reads it)"
        )
    run = document.get("run")
    if not isinstance(run, dict):
        raise ReportFileError(f"{name}: field 'run' must be an object")
    hosts = document.get("hosts")
    if not isinstance(hosts, list):
        raise ReportFileError(f"{name}: field 'hosts' must be a list")
    if len(hosts) > MAX_HOSTS:
        raise ReportFileError(f"{name}: field 'hosts' has {len(hosts)} entries, more than {MAX_HOSTS}")
    seen: set[str] = set()
    rows = {} if shared_rows is None else shared_rows
    for index, host in enumerate(hosts):
        _check_host(host, f"{name}: hosts[{index}]", version, rows)
        if host["name"] in seen:
            raise ReportFileError(f"{name}: hosts[{index}].name {host['name']!r} is listed twice")
        seen.add(host["name"])
    return {
        "schema": SCHEMA,
        "schema_version": version,
        "run": run,
        "hosts": hosts,
        **({"trend": document["trend"]} if isinstance(document.get("trend"), dict) else {}),
    }


def share_rows(hosts: list[dict[str, t.Any]], shared_rows: dict[tuple[t.Any, ...], dict[str, t.Any]]) -> None:
    """Make the checked hosts' equal setting rows one dict, also across documents read apart.

    ``hosts`` come from ``checked_document``: their rows are checked and already shared within their document
    (a document read in another process arrives as one pickle, which keeps that sharing). Each distinct row is
    looked at once; the lists are rebuilt in C (``map``) with the row ``shared_rows`` holds for it.
    """
    distinct: dict[int, dict[str, t.Any]] = {}
    for host in hosts:
        distinct.update(zip(map(id, host["settings"]), host["settings"], strict=True))
    chosen: dict[int, dict[str, t.Any]] = {}
    for key, row in distinct.items():
        identity = _row_identity(row)
        chosen[key] = row if identity is None else shared_rows.setdefault(identity, row)
    for host in hosts:
        host["settings"] = list(map(chosen.__getitem__, map(id, host["settings"])))


def status_of(host: t.Mapping[str, t.Any]) -> str:
    """The status the host's own fields give (the rules of ``HostReport.status``)."""
    if host["unreachable"] or host["problems"]:
        return "unknown"
    if not host["settings"]:
        return "not_assessed"
    return "compliant" if all(row["compliant"] for row in host["settings"]) else "drifted"


def _check_host(host: t.Any, where: str, version: int, shared_rows: dict[tuple[t.Any, ...], dict[str, t.Any]]) -> None:
    if not isinstance(host, dict):
        raise ReportFileError(f"{where} must be an object")
    missing = [key for key in _HOST_KEYS if key not in host]
    if missing:
        raise ReportFileError(f"{where} lacks the field(s) {', '.join(missing)}")
    name = host["name"]
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise ReportFileError(f"{where}.name must be a host name of 1 to {MAX_NAME} characters")
    where = f"{where} ({name[:80]!r})"
    if host["status"] not in STATUSES:
        raise ReportFileError(f"{where}.status must be one of {', '.join(STATUSES)}, got {str(host['status'])[:40]!r}")
    if not isinstance(host["unreachable"], bool):
        raise ReportFileError(f"{where}.unreachable must be true or false")
    for key in ("problems", "surfaces"):
        if not _strings(host[key]):
            raise ReportFileError(f"{where}.{key} must be a list of strings")
    commands = host.get("host_commands", 0)
    if not isinstance(commands, int) or isinstance(commands, bool) or commands < 0:
        raise ReportFileError(f"{where}.host_commands must be a non-negative integer")
    host["host_commands"] = commands
    reason = host.get("not_assessed_reason", "")
    if not isinstance(reason, str):
        raise ReportFileError(f"{where}.not_assessed_reason must be a string")
    if version == 1:
        _rename_v1_gpo(host)
    if version <= 3:
        _upgrade_v3_owners(host)
    _check_settings(host["settings"], where, shared_rows)
    _check_objects(host["findings"], f"{where}.findings", ("id", "severity", "surface", "message"))
    for finding_index, finding in enumerate(host["findings"]):
        if finding["severity"] not in SEVERITIES:
            raise ReportFileError(f"{where}.findings[{finding_index}].severity must be one of {', '.join(SEVERITIES)}")
    _check_objects(host["owners"], f"{where}.owners", ("setting", "owner"))
    status = status_of(host)
    if version >= 2 and host["status"] != status:
        raise ReportFileError(f"{where}.status is {host['status']!r}, but its other fields make it {status!r}")
    if status == "not_assessed" and not reason:
        # Version 1 had no reason: say where the status comes from rather than leave it blank.
        reason = f"no setting was checked (reported as {host['status']!r} by a schema version {version} report)"
    host["status"], host["not_assessed_reason"] = status, reason if status == "not_assessed" else ""


def _rename_v1_gpo(host: dict[str, t.Any]) -> None:
    """Schema version 1 named an owner's GPO ``gpo``; version 2 on name it ``gpo_name``, as every module does."""
    owners = host["owners"] if isinstance(host["owners"], list) else []
    rows = host["settings"] if isinstance(host["settings"], list) else []
    for owner in [*owners, *(row.get("owner") for row in rows if isinstance(row, dict))]:
        if isinstance(owner, dict) and "gpo" in owner and "gpo_name" not in owner:
            owner["gpo_name"] = owner.pop("gpo")


def _upgrade_v3_owners(host: dict[str, t.Any]) -> None:
    """Before version 4 every owner was a GPO (``{gpo_name, gpo_id}``) and no setting was held."""
    owners = host["owners"] if isinstance(host["owners"], list) else []
    rows = host["settings"] if isinstance(host["settings"], list) else []
    for owner in [*owners, *(row.get("owner") for row in rows if isinstance(row, dict))]:
        if isinstance(owner, dict) and "owner" not in owner:
            owner["owner"] = "group_policy"
    for row in rows:
        if isinstance(row, dict):
            row.setdefault("held", False)


def _check_settings(rows: t.Any, where: str, shared_rows: dict[tuple[t.Any, ...], dict[str, t.Any]]) -> None:
    if not isinstance(rows, list):
        raise ReportFileError(f"{where}.settings must be a list")
    identities = list(map(_row_identity, rows))
    # None is never a key: a row of no identity is never known.
    lookup = t.cast(t.Callable[[t.Any], "dict[str, t.Any] | None"], shared_rows.get)
    known = list(map(lookup, identities))
    if None not in known:  # every row equal to one checked before (most hosts of a fleet): share those
        rows[:] = known
        return
    for index, row in enumerate(rows):
        if known[index] is not None:
            rows[index] = known[index]
            continue
        _check_setting(row, f"{where}.settings[{index}]")  # a row like no other checked before: check it
        identity = _row_identity(row)
        rows[index] = row if identity is None else shared_rows.setdefault(identity, row)


def _row_identity(row: t.Any) -> tuple[t.Any, ...] | None:
    """What makes two setting rows equal (None when the row is not even shaped like one).

    Called for each of a fleet's millions of rows, so it is lean; a key only ever meets the keys of rows that
    passed ``_check_setting``, and it tells apart what equality alone would not:
    - ``compliant`` and ``held`` by identity: True and False are singletons, so the 1 or 0 equal to them never
      takes a checked row's place;
    - a string value (or null) is its own key; any other value goes through ``frozen_value``, whose keys are
      tuples that carry the type (1, True, 1.0 and "1" stay apart).
    """
    if row.__class__ is not dict or len(row) != _SETTING_KEYS:
        return None
    try:
        current, desired, owner = row["current"], row["desired"], row["owner"]
        return (
            row["setting"],
            row["surface"],
            row["action"],
            id(row["compliant"]),
            id(row["held"]),
            current if current is None or current.__class__ is str else frozen_value(current),
            desired if desired is None or desired.__class__ is str else frozen_value(desired),
            None if owner is None else frozen_value(owner),
        )
    except (KeyError, TypeError):
        return None


def _check_setting(row: t.Any, where: str) -> None:
    if not isinstance(row, dict) or "current" not in row or "desired" not in row:
        raise ReportFileError(f"{where} must be an object with current and desired")
    for key in _SETTING_TEXT:
        if not isinstance(row.get(key), str):
            raise ReportFileError(f"{where}.{key} must be a string")
    if not isinstance(row.get("compliant"), bool):
        raise ReportFileError(f"{where}.compliant must be true or false")
    owner = row.get("owner")
    if owner is not None and not (isinstance(owner, dict) and owner.get("owner") in OWNER_KINDS):
        raise ReportFileError(f"{where}.owner must be null or an object whose owner is one of {', '.join(OWNER_KINDS)}")
    if (
        owner is not None
        and owner["owner"] in GPO_OWNERS
        and not _strings([owner.get("gpo_name"), owner.get("gpo_id")])
    ):
        raise ReportFileError(f"{where}.owner of {owner['owner']} must have gpo_name and gpo_id")
    if not isinstance(row.get("held", False), bool):
        raise ReportFileError(f"{where}.held must be true or false")
    row.setdefault("owner", None)
    row.setdefault("held", False)


def _check_objects(items: t.Any, where: str, text_keys: tuple[str, ...]) -> None:
    if not isinstance(items, list):
        raise ReportFileError(f"{where} must be a list")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ReportFileError(f"{where}[{index}] must be an object")
        for key in text_keys:
            if not isinstance(item.get(key), str):
                raise ReportFileError(f"{where}[{index}].{key} must be a string")


def _strings(items: t.Any) -> bool:
    return isinstance(items, list) and all(isinstance(item, str) for item in items)
