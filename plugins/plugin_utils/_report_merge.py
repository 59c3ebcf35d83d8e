# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Merge the compliance.json files of a sliced run into one fleet document (internal use only).

Rules (docs/reports.md, "Merging sliced runs"): every slice named must exist and be a readable report of
schema version 1 to ``SCHEMA_VERSION``; hosts are checked and upgraded by ``_report_load``; a host in two
slices fails the merge unless ``duplicates`` is ``newest``, which keeps the host of the slice written last
(``run.generated_at``, then the later slice in the order given). Totals are recomputed from the hosts; a
slice's own trend is dropped (the merge makes the fleet's, from its own ``previous``).
"""

from __future__ import annotations

import collections
import datetime
import glob
import os
import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_load import ReportFileError, read_report
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import (
    SCHEMA,
    SCHEMA_VERSION,
    surface_totals,
    totals,
)

DUPLICATES = ("fail", "newest")
MAX_SLICES = 10_000


class MergeError(ValueError):
    """The slices cannot be merged; the message names the option or the file and field."""


def expand_slices(patterns: t.Sequence[str]) -> list[str]:
    """Each path as given, each glob as the sorted files it matches; a glob that matches nothing is an error."""
    found: list[str] = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
            if not matches:
                raise MergeError(f"src: the pattern {pattern!r} matches no file (a slice that wrote no report?)")
            found.extend(matches)
        else:
            found.append(pattern)
    unique = list(dict.fromkeys(os.path.normpath(path) for path in found))
    if len(unique) > MAX_SLICES:
        raise MergeError(f"src: {len(unique)} files, more than the {MAX_SLICES} slices a merge takes")
    return unique


def _generated_at(document: t.Mapping[str, t.Any]) -> str:
    return str(document["run"].get("generated_at") or "")


def merge_reports(paths: t.Sequence[str], *, duplicates: str = "fail") -> dict[str, t.Any]:
    """The fleet document of the slices at ``paths`` (already expanded), with ``run.slices`` saying what went in."""
    if duplicates not in DUPLICATES:
        raise MergeError(f"duplicates must be one of {', '.join(DUPLICATES)}, got {duplicates!r}")
    if not paths:
        raise MergeError("src: no slice to merge")
    hosts: dict[str, dict[str, t.Any]] = {}
    origin: dict[str, tuple[str, int]] = {}  # host -> (generated_at, slice index) of the copy kept
    slices = []
    playbooks: list[str] = []
    check_modes = set()
    shared_rows: dict[tuple[t.Any, ...], dict[str, t.Any]] = {}
    for index, path in enumerate(paths):
        try:
            document = read_report(path, shared_rows=shared_rows)
        except ReportFileError as exc:
            raise MergeError(str(exc)) from None
        stamp = _generated_at(document)
        for host in document["hosts"]:
            # A slice's own trend compared it with that slice's previous report, not the fleet with the fleet's.
            host.pop("trend", None)
            name = host["name"]
            if name in hosts:
                if duplicates == "fail":
                    raise MergeError(
                        f"{path}: host {name!r} is also in {paths[origin[name][1]]}; slices of one run hold each host "
                        "once (set duplicates: newest to keep the copy of the slice written last)"
                    )
                if (stamp, index) < origin[name]:
                    continue
            hosts[name] = host
            origin[name] = (stamp, index)
        run = document["run"]
        playbooks.extend(str(name) for name in run.get("playbooks") or [] if isinstance(name, str))
        check_modes.add(bool(run.get("check_mode")))
        slices.append(
            {
                "file": path,
                "generated_at": stamp,
                "schema_version": document["schema_version"],
                "hosts": len(document["hosts"]),
                "ansible_version": str(run.get("ansible_version") or ""),
            }
        )
    merged = [hosts[name] for name in sorted(hosts)]
    kept = collections.Counter(index for _stamp, index in origin.values())
    for index, slice_info in enumerate(slices):
        slice_info["hosts_kept"] = kept[index]
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "run": {
            "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "ansible_version": _one_or_mixed({slice_info["ansible_version"] for slice_info in slices}),
            "playbooks": list(dict.fromkeys(playbooks)),
            # A fleet is in check mode only if every slice was.
            "check_mode": check_modes == {True},
            "slices": slices,
        },
        "totals": totals(merged),
        "surfaces": surface_totals(merged),
        "hosts": merged,
    }


def _one_or_mixed(values: set[str]) -> str:
    values.discard("")
    return values.pop() if len(values) == 1 else ", ".join(sorted(values))
