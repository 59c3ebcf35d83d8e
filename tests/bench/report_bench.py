"""Time and size of the compliance report for 5,000 hosts x 20 settings (`make bench-report`).

Targets: the whole report (model plus the four files) in under 2 s, compliance.html under 5 MB. Prints the
figures; it asserts nothing (speed targets are checked by reading them, never by timed tests).
"""

from __future__ import annotations

import argparse
import random
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
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import ComplianceReport

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--settings", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="also write the four files to this directory, to look at them")
    options = parser.parse_args()
    rng = random.Random(7)
    results = [
        (f"host{n:05d}.corp.example", baseline_result(rng, options.settings), facts_result(rng))
        for n in range(options.hosts)
    ]
    unreachable = set(rng.sample(range(options.hosts), options.hosts // 100))

    start, cpu_start = time.perf_counter(), time.process_time()
    report = ComplianceReport()
    for number, (host, baseline, facts) in enumerate(results):
        if number in unreachable:
            report.add_failure(host, "proxyfleet.windows.proxy_facts", "connection refused", unreachable=True)
            continue
        report.add_result(host, "proxyfleet.windows.proxy_facts", facts)
        report.add_result(host, "proxyfleet.windows.proxy_baseline", baseline)
    document = report.document(
        {"generated_at": "bench", "ansible_version": "bench", "playbooks": [], "check_mode": True}
    )
    model, model_cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(
        f"compliance report, {options.hosts} hosts x {options.settings} settings "
        f"({document['totals']['settings']} rows; {document['totals']['drifted']} drifted, "
        f"{document['totals']['unknown']} unknown hosts)"
    )
    # CPU time beside wall time: on a shared machine the wall clock also counts other processes' turns.
    print(f"  {'':<30}{'wall':>8}  {'cpu':>8}  {'size':>9}")
    print(f"  {'model (results -> document)':<30}{model:8.3f}s {model_cpu:8.3f}s")
    total, total_cpu = model, model_cpu
    with tempfile.TemporaryDirectory() as directory:
        for name, (file_name, _writer) in FORMATS.items():
            begin, cpu_begin = time.perf_counter(), time.process_time()
            [path] = write_reports(document, directory, [name])
            spent, spent_cpu = time.perf_counter() - begin, time.process_time() - cpu_begin
            total, total_cpu = total + spent, total_cpu + spent_cpu
            size = Path(path).stat().st_size
            print(f"  {file_name:<30}{spent:8.3f}s {spent_cpu:8.3f}s {size / 1e6:7.2f} MB")
    print(f"  {'total':<30}{total:8.3f}s {total_cpu:8.3f}s   (targets: < 2 s in total, compliance.html < 5 MB)")
    if options.keep:
        print("  kept: " + ", ".join(write_reports(document, options.keep, FORMATS)))


if __name__ == "__main__":
    main()
