# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Merge the compliance.json files of a sliced run into one fleet document (internal use only).

Rules (docs/reports.md, "Merging sliced runs"): every slice named must exist and be a readable report of
schema version 1 to ``SCHEMA_VERSION``; hosts are checked and upgraded by ``_report_load``; a host in two
slices fails the merge unless ``duplicates`` is ``newest``, which keeps the host of the slice written last
(``run.generated_at``, then the later slice in the order given). Totals are recomputed from the hosts; a
slice's own trend is dropped (the merge makes the fleet's, from its own ``previous``).

Reading and checking a slice is most of a merge's time (JSON parsing and one dict per setting row), and slices
are independent: with several slices and CPUs they are read by up to ``MAX_READERS`` forked processes, each
sending back its checked document, whose equal rows are one dict, so the pickle is small (3 MB for a 50 MB
slice of 10,000 hosts). The merge itself stays in this process, in the order the slices were given.
"""

from __future__ import annotations

import collections
import concurrent.futures
import datetime
import glob
import multiprocessing
import os
import threading
import typing as t
from concurrent.futures.process import BrokenProcessPool

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_load import (
    ReportFileError,
    read_report,
    share_rows,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import (
    SCHEMA,
    SCHEMA_VERSION,
    surface_totals,
    totals,
)

DUPLICATES = ("fail", "newest")
MAX_SLICES = 10_000
# Processes that read slices at once: each holds one parsed slice (about 0.3 GB for 10,000 hosts x 20 settings).
MAX_READERS = 4


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


def merge_reports(paths: t.Sequence[str], *, duplicates: str = "fail", readers: int | None = None) -> dict[str, t.Any]:
    """The fleet document of the slices at ``paths`` (already expanded), with ``run.slices`` saying what went in.

    ``readers``: processes that read the slices (default ``readers_for``; 1 reads them in this process).
    """
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
    for index, (path, document) in enumerate(zip(paths, _read_slices(paths, shared_rows, readers), strict=True)):
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


def readers_for(slices: int) -> int:
    """How many processes read ``slices`` slices: one per CPU this process may run on, at most ``MAX_READERS``.

    One (in this process) when forking is not safe: no ``fork`` on the platform, or threads running here (a fork
    copies only the calling thread, and a lock another thread holds would stay locked in the child).
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return max(1, min(slices, cpus, MAX_READERS))


def _read_slices(
    paths: t.Sequence[str], shared_rows: dict[tuple[t.Any, ...], dict[str, t.Any]], readers: int | None
) -> t.Iterator[dict[str, t.Any]]:
    """Each slice's checked document, in the order of ``paths``; a slice that cannot be used raises MergeError."""
    readers = readers_for(len(paths)) if readers is None else readers
    if readers <= 1 or len(paths) == 1:
        for path in paths:
            try:
                yield read_report(path, shared_rows=shared_rows)
            except ReportFileError as exc:
                raise MergeError(str(exc)) from None
        return
    pool = concurrent.futures.ProcessPoolExecutor(readers, mp_context=multiprocessing.get_context("fork"))
    try:
        for document in pool.map(read_report, paths):
            share_rows(document["hosts"], shared_rows)
            yield document
    except ReportFileError as exc:
        raise MergeError(str(exc)) from None
    except BrokenProcessPool:
        raise MergeError(
            "src: a process reading the slices ended without an answer (killed, or out of memory?); "
            f"{readers} read at once, each holding one parsed slice"
        ) from None
    finally:  # also when the merge stops early (a host in two slices): slices not yet read are not read
        pool.shutdown(wait=True, cancel_futures=True)


def _one_or_mixed(values: set[str]) -> str:
    values.discard("")
    return values.pop() if len(values) == 1 else ", ".join(sorted(values))
