"""Time, size and peak memory of the compliance report, 5,000 and 100,000 hosts x 20 settings (`make bench-report`).

Measures what the callback does at the end of a run (model to document, the four files) and what
compliance_merge does with the slices of a sliced run (read, check and merge 10 slices, the four files), each in
a process of its own so that its peak memory is its own. Targets: 100,000 hosts in under 15 s and 1 GiB each,
compliance.html under 10 MB. Prints the figures and the load average; it asserts nothing (speed targets are
checked by reading them, never by timed tests).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import typing as t
from pathlib import Path

from tests.simfleet import link_collection

sys.path.insert(0, str(link_collection()))

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_files import (
    FORMATS,
    write_reports,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_merge import (
    expand_slices,
    merge_reports,
    readers_for,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import ComplianceReport, no_cyclic_gc

SURFACES = ("wininet", "winhttp", "telemetry", "defender", "delivery_optimization")
PROXY = "proxy.corp.example:8080"
BYPASS = ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]


def baseline_result(rng: random.Random, settings: int) -> dict[str, t.Any]:
    """A proxy_baseline result with `settings` settings spread over the surfaces; about 30 % of hosts drift."""
    surfaces: dict[str, dict[str, t.Any]] = {}
    drifting = rng.random() < 0.3
    for index in range(settings):
        surface = SURFACES[index % len(SURFACES)]
        entry = surfaces.setdefault(surface, {"changed": False, "before": {}, "after": {}, "drift": []})
        key = f"setting_{index}"
        desired: t.Any = BYPASS if index % 4 == 0 else PROXY
        current: t.Any = desired
        if drifting and rng.random() < 0.25:
            current = rng.choice(
                [None, "oldproxy.corp.example:3128", f"10.0.{rng.randrange(256)}.{rng.randrange(256)}:8080"]
            )
            entry["drift"].append({"setting": f"{surface}.{key}", "current": current, "desired": desired})
            entry["changed"] = True
        entry["before"][key], entry["after"][key] = current, desired
    drift = [item for entry in surfaces.values() for item in entry["drift"]]
    if drift and rng.random() < 0.1:
        drift[0]["owner"] = {"gpo_name": "Contoso MDE proxy", "gpo_id": "cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8}"}
    return {"changed": bool(drift), "surfaces": surfaces, "drift": drift, "host_commands": 1, "backup_id": None}


def facts_result(rng: random.Random) -> dict[str, t.Any]:
    findings = []
    if rng.random() < 0.2:
        findings.append(
            {
                "id": "DO001",
                "severity": "medium",
                "surface": "wininet",
                "message": f"Delivery Optimization uses proxy {PROXY} without bypassing *.prod.do.dsp.mp.microsoft.com",
                "evidence": {"proxy": PROXY},
                "remediation": "proxyfleet.windows.wininet_proxy bypass: add *.prod.do.dsp.mp.microsoft.com",
                "source": "[DOPX] Delivery Optimization and proxy",
            }
        )
    return {"changed": False, "findings": findings, "host_commands": 1}


def fed_report(hosts: int, settings: int, first: int = 0) -> ComplianceReport:
    """The model fed host by host, as the callback is: results are made on the fly and not kept."""
    rng = random.Random(7 + first)
    report = ComplianceReport()
    for number in range(first, first + hosts):
        host = f"host{number:06d}.corp.example"
        baseline, facts = baseline_result(rng, settings), facts_result(rng)
        if rng.random() < 0.01:
            report.add_failure(host, "proxyfleet.windows.proxy_facts", "connection refused", unreachable=True)
            continue
        report.add_result(host, "proxyfleet.windows.proxy_facts", facts)
        report.add_result(host, "proxyfleet.windows.proxy_baseline", baseline)
    return report


RUN = {"generated_at": "bench", "ansible_version": "bench", "playbooks": [], "check_mode": True}


def peak_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_files(document: dict[str, t.Any], keep: Path | None) -> tuple[float, float]:
    total = total_cpu = 0.0
    with tempfile.TemporaryDirectory() as directory:
        for name, (file_name, _writer) in FORMATS.items():
            begin, cpu_begin = time.perf_counter(), time.process_time()
            [path] = write_reports(document, keep or directory, [name])
            spent, spent_cpu = time.perf_counter() - begin, time.process_time() - cpu_begin
            total, total_cpu = total + spent, total_cpu + spent_cpu
            size = Path(path).stat().st_size
            print(f"  {file_name:<30}{spent:8.3f}s {spent_cpu:8.3f}s {size / 1e6:8.2f} MB")
    return total, total_cpu


def callback_report(hosts: int, settings: int, keep: Path | None) -> None:
    """What the callback does at the end of a run: the model's document, then the four files."""
    feed, feed_cpu = time.perf_counter(), time.process_time()
    report = fed_report(hosts, settings)
    feed, feed_cpu = time.perf_counter() - feed, time.process_time() - feed_cpu
    # What the callback does at the end of the run (feeding it is spread over the run, between tasks).
    with no_cyclic_gc():
        start, cpu_start = time.perf_counter(), time.process_time()
        document = report.document(dict(RUN))
        model, model_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        del report
    totals = document["totals"]
    print(
        f"callback: {hosts} hosts x {settings} settings ({totals['settings']} rows; {totals['drifted']} drifted, "
        f"{totals['unknown']} unknown hosts)"
    )
    # CPU time beside wall time: on a shared machine the wall clock also counts other processes' turns.
    print(f"  {'':<30}{'wall':>8}  {'cpu':>8}  {'size':>10}")
    print(f"  {'(results -> model)':<30}{feed:8.3f}s {feed_cpu:8.3f}s  (not in total: during the run)")
    print(f"  {'model -> document':<30}{model:8.3f}s {model_cpu:8.3f}s")
    with no_cyclic_gc():
        total, total_cpu = timed_files(document, keep)
    print(f"  {'total':<30}{model + total:8.3f}s {model_cpu + total_cpu:8.3f}s  peak {peak_mib():.0f} MiB")


def write_slices(hosts: int, settings: int, slices: int, directory: Path) -> None:
    """compliance.json of each slice of a sliced run, as the callback of each slice writes it."""
    size = -(-hosts // slices)
    for number in range(slices):
        count = min(size, hosts - number * size)
        document = fed_report(count, settings, first=number * size).document(dict(RUN))
        write_reports(document, directory / f"slice{number + 1}", ["json"])


def merge_report(directory: Path, slices: int, keep: Path | None) -> None:
    """What compliance_merge does: read and check every slice, merge, write the four files."""
    paths = expand_slices([str(directory / "slice*" / "compliance.json")])
    with no_cyclic_gc():  # as compliance_merge runs
        start, cpu_start, readers_start = time.perf_counter(), time.process_time(), children_cpu()
        document = merge_reports(paths)
        merge, merge_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        readers_cpu = children_cpu() - readers_start
    totals = document["totals"]
    readers = readers_for(len(paths))
    print(f"compliance_merge: {slices} slices, {totals['hosts']} hosts ({totals['settings']} rows)")
    print(f"  {'':<30}{'wall':>8}  {'cpu':>8}  {'size':>10}")
    print(f"  {'read, check, merge':<30}{merge:8.3f}s {merge_cpu + readers_cpu:8.3f}s  (readers: {readers} processes)")
    with no_cyclic_gc():
        total, total_cpu = timed_files(document, keep)
    total_cpu += merge_cpu + readers_cpu
    print(f"  {'total':<30}{merge + total:8.3f}s {total_cpu:8.3f}s  peak {peak_mib():.0f} MiB", end="")
    if readers > 1:
        # Each reader's peak is its own (ru_maxrss of the children is the largest one's); all run at once.
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f" + {readers} readers x at most {child_peak:.0f} MiB = {peak_mib() + readers * child_peak:.0f} MiB")
    else:
        print()


def children_cpu() -> float:
    """CPU seconds (user + system) of the ended child processes: the slice readers."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child(*args: str) -> None:
    """Run one measurement in a process of its own: each peak memory figure is that measurement's alone."""
    subprocess.run([sys.executable, "-m", "tests.bench.report_bench", *args], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, nargs="+", default=[5000, 100000])
    parser.add_argument("--settings", type=int, default=20)
    parser.add_argument("--slices", type=int, default=10, help="slices the merge measurement reads")
    parser.add_argument("--keep", type=Path, help="also write the four files to this directory, to look at them")
    parser.add_argument("--only", choices=["callback", "slices", "merge"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.only == "callback":
        callback_report(options.hosts[0], options.settings, options.keep)
        return
    if options.only == "slices":
        write_slices(options.hosts[0], options.settings, options.slices, options.work)
        return
    if options.only == "merge":
        merge_report(options.work, options.slices, options.keep)
        return
    print(f"load average before: {' '.join(f'{load:.2f}' for load in os.getloadavg())} ({os.cpu_count()} CPUs)")
    for hosts in options.hosts:
        common = ["--hosts", str(hosts), "--settings", str(options.settings), "--slices", str(options.slices)]
        child("--only", "callback", *common)
        with tempfile.TemporaryDirectory(prefix="proxyfleet-report-bench-") as work:
            child("--only", "slices", "--work", work, *common)
            child("--only", "merge", "--work", work, *common)
    print(f"load average after: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")
    print("targets: 100,000 hosts in under 15 s and 1 GiB, for the callback and for compliance_merge; HTML under 10 MB")


if __name__ == "__main__":
    main()
