"""``make demo``: the product's main job against a simulated fleet of Windows hosts.

Starts the simulated fleet (12 hosts in the WinHTTP states admins meet, plus 7 realistic hosts
exported with regedit), runs playbooks/demo_baseline.yml in check mode with the compliance_report
callback (the four report files go to the run's folder), applies it, checks again, says where every
file is, and prints the path of the HTML report last. Keeps the last few run folders of build/demo.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.demo_fleet import BYPASS, DEMO_HOSTS, PROXY, write_fleet
from tests.simfleet import REPO_ROOT, RunningFleet, ansible_env

PLAYBOOK = REPO_ROOT / "playbooks" / "demo_baseline.yml"
FIXTURE_HOSTS = REPO_ROOT / "tests" / "fixtures" / "hosts"
CALLBACKS = REPO_ROOT / "tests" / "integration" / "callback_plugins"
RUNS = REPO_ROOT / "build" / "demo"
KEEP_RUNS = 5  # run folders of build/demo kept, this one included: each holds a fleet, logs and a report
TASK = "Every proxy surface in one round trip"
SURFACES = {
    "wininet": "WinINET",
    "winhttp": "WinHTTP",
    "telemetry": "MDE telemetry",
    "defender": "Defender AV",
    "delivery_optimization": "Delivery Opt.",
}
STORIES = {host.name: f"WinHTTP {host.story}" for host in DEMO_HOSTS} | {
    "win11-peruser": "a user set the proxy in Settings: services get none",
    "srv2022-stale-netsh": "stale netsh proxy in the 64-bit WinHTTP view",
    "win11-mde-half": "half-configured Defender for Endpoint proxy",
    "win10-do-group": "Delivery Optimization group mode without a group",
    "clean-host": "fresh install, nothing configured",
    "srv2019-compliant": "configured by hand, everything right",
    "win11-gpo-telemetry": "a GPO sets an old telemetry proxy",
}


def short(value: object) -> str:
    """A current/desired value in a few words."""
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return ";".join(str(item) for item in value) or "(empty)"
    if isinstance(value, dict):
        if "error" in value:
            return "unreadable"
        parts = [f"proxy {value['proxy']}" if value.get("proxy") else "direct"]
        parts += [f"bypass {';'.join(value['bypass'])}"] if value.get("proxy") and value.get("bypass") else []
        parts += ["PAC"] if value.get("auto_config_url") else []
        parts += ["auto-detect"] if value.get("auto_detect") else []
        return ", ".join(parts)
    return str(value)


def describe_drift(drift: list[dict]) -> str:
    """A surface's drift in words, the same change in both registry views said once."""
    texts: dict[str, list[str]] = {}
    for item in drift:
        parts = item["setting"].split(".")
        view = parts[1] if len(parts) > 2 and parts[1] in ("64", "32") else ""
        rest = ".".join(part for part in parts[1:] if part != view)
        texts.setdefault(describe({**item, "setting": f"x.{rest}"}), []).append(view)
    said = [
        f"{text} ({'both views' if len(views) == 2 else f'{views[0]}-bit'})" if views[0] else text
        for text, views in texts.items()
    ]
    return "; ".join(said[:4]) + (f"; and {len(said) - 4} more" if len(said) > 4 else "")


def describe(item: dict) -> str:
    """One drift entry: ``proxy oldproxy:3128 -> proxy:8080`` (bypass lists as what is missing)."""
    setting = item["setting"].split(".", 1)[1]
    current, desired = item["current"], item["desired"]
    if isinstance(current, list) and isinstance(desired, list) and current:
        missing = [entry for entry in desired if entry.lower() not in {c.lower() for c in current}]
        extra = [entry for entry in current if entry.lower() not in {d.lower() for d in desired}]
        words = [f"missing {' '.join(missing)}"] * bool(missing) + [f"extra {' '.join(extra)}"] * bool(extra)
        return f"{setting} {', '.join(words)}"
    return f"{setting} {short(current)} -> {short(desired)}"


def run_playbook(
    fleet: RunningFleet, work: Path, label: str, *args: str, report: Path | None = None
) -> tuple[dict[str, dict], float]:
    """Run the demo playbook; with ``report``, the compliance_report callback writes its files there."""
    record = work / f"{label}.jsonl"
    output = work / f"{label}.ansible.log"
    callbacks = "record_results" + (",proxyfleet.windows.compliance_report" if report else "")
    env = ansible_env(
        {
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": callbacks,
            "RECORD_RESULTS_FILE": str(record),
            "ANSIBLE_FORKS": "20",
            **({"PROXYFLEET_COMPLIANCE_REPORT_DIR": str(report)} if report else {}),
        }
    )
    started = time.monotonic()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(fleet.inventory), str(PLAYBOOK), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    output.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        raise SystemExit(f"ansible-playbook {' '.join(args)} failed with {done.returncode}; see {output}")
    results = {}
    for line in record.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["task"] == TASK:
            results[entry["host"]] = entry
    return results, elapsed


def print_matrix(title: str, results: dict[str, dict], elapsed: float, mark: str) -> None:
    """One row per host, one column per surface: what is (or was) wrong where."""
    print(f"\n{title}")
    width = max(len(name) for name in results)
    print(f"  {'host':<{width}}  " + "".join(f"{label:<15}" for label in SURFACES.values()) + "WinRM commands")
    for host in sorted(results):
        result = results[host]["result"]
        cells = []
        for surface in SURFACES:
            cells.append(f"{surface_cell(result.get('surfaces', {}).get(surface, {}), mark):<15}")
        print(f"  {host:<{width}}  " + "".join(cells) + str(result.get("host_commands")))
    drifting = sum(1 for r in results.values() if r["result"].get("drift"))
    commands = sum(int(r["result"].get("host_commands", 0)) for r in results.values())
    verb = "drift" if mark == "DRIFT" else "changed"
    print(f"  -> {drifting} of {len(results)} hosts {verb}; {commands} WinRM commands in all; {elapsed:.1f} s")


def surface_cell(surface: dict, mark: str) -> str:
    """ok, the mark, or GPO-HELD: the drift that is left is all in values Group Policy sets (left alone)."""
    drift = surface.get("drift")
    if not drift:
        return "ok"
    if mark == "CHANGED" and surface.get("changed"):
        return mark
    return "GPO-HELD" if all(item.get("owner") for item in drift) else mark


def held_by_group_policy(result: dict) -> list[str]:
    """Each held entry (a value its owner would put back), as "setting by GPO 'name'"; empty if drift remains."""
    held = result.get("held") or []
    if not held or result.get("drift"):
        return []
    return [f"{item['setting']} by GPO '{item.get('gpo_name', item['owner'])}'" for item in held]


def print_details(results: dict[str, dict]) -> None:
    """What is wrong on each drifting host, surface by surface, and why the host looks like that."""
    print("\n   What is wrong, host by host (compared by meaning: case and order of bypass entries do not matter):")
    for host in sorted(results):
        result = results[host]["result"]
        if not result.get("drift") and not result.get("held"):
            print(f"  {host}: compliant ({STORIES.get(host, '')})")
            continue
        print(f"  {host} ({STORIES.get(host, '')}):")
        for surface, label in SURFACES.items():
            drift = result["surfaces"].get(surface, {}).get("drift")
            if drift:
                print(f"      {label}: {describe_drift(drift)}")
            held = result["surfaces"].get(surface, {}).get("held")
            if held:
                print(f"      {label}, held (its owner would put it back): {describe_drift(held)}")
        for warning in result.get("warnings") or []:
            print(f"      warning: {warning}")


def build_fleet(directory: Path) -> int:
    names = write_fleet(directory)
    for source in sorted(FIXTURE_HOSTS.glob("*.reg")):
        shutil.copyfile(source, directory / source.name)
        if source.with_suffix(".json").exists():  # the host's facts (RSoP rows for wmi_query)
            shutil.copyfile(source.with_suffix(".json"), directory / f"{source.stem}.json")
        names.append(source.stem)
    return len(names)


def prune_runs(keep: int = KEEP_RUNS - 1) -> None:
    """Remove all but the newest ``keep`` run folders (named by their start time, so names sort by age)."""
    runs = sorted(path for path in RUNS.glob("*") if path.is_dir()) if RUNS.exists() else []
    for old in runs[: max(0, len(runs) - keep)]:
        shutil.rmtree(old, ignore_errors=True)


def report_counts(report: Path) -> str:
    """The hosts by status, from the compliance.json the check wrote."""
    totals = json.loads((report / "compliance.json").read_text(encoding="utf-8"))["totals"]
    return ", ".join(
        f"{totals[status]} {status.replace('_', ' ')}" for status in ("compliant", "drifted", "unknown", "not_assessed")
    )


def main() -> int:
    started = time.monotonic()
    prune_runs()
    work = RUNS / datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = work / "report"
    fleet_dir = work / "fleet"
    count = build_fleet(fleet_dir)
    print("proxyfleet.windows demo: the corporate proxy baseline across a simulated fleet of Windows hosts")
    print(f"  proxy {PROXY}, bypass {'; '.join(BYPASS)}")
    print("  WinINET device-wide (per-machine policy, both blobs, both registry views), WinHTTP copied from it,")
    print("  the Defender for Endpoint telemetry proxy, the Defender Antivirus proxy, Delivery Optimization LAN mode;")
    print("  all in one proxy_baseline task (playbooks/demo_baseline.yml).")
    with RunningFleet(fleet_dir, work) as fleet:
        print(f"\nStarted {count} simulated Windows hosts behind one WinRM listener (Basic auth over HTTPS).")

        checked, elapsed = run_playbook(fleet, work, "1-check", "--check", report=report)
        print_matrix(
            "1. Compliance check (check mode: one WinRM command per host, nothing written)", checked, elapsed, "DRIFT"
        )
        print(f"  -> compliance report: {report_counts(report)} (the page's path is printed at the end)")
        print_details(checked)

        applied, elapsed = run_playbook(fleet, work, "2-apply", "--diff")
        print_matrix(
            "2. Remediation (one read and one write per drifting host; on-host backup first)",
            applied,
            elapsed,
            "CHANGED",
        )
        backups = sorted(
            (host, r["result"]["backup_id"]) for host, r in applied.items() if r["result"].get("backup_id")
        )
        if backups:
            print(f"  prior values backed up on each changed host, e.g. {backups[0][0]}: ")
            print(f"  HKLM\\SOFTWARE\\proxyfleet\\Backups\\{backups[0][1]}")

        rechecked, elapsed = run_playbook(fleet, work, "3-recheck", "--check")
        print_matrix("3. Re-check (check mode)", rechecked, elapsed, "DRIFT")
        # A held value (its owner would put it back) is not compliant either.
        compliant = sum(
            1
            for r in rechecked.values()
            if not r["result"].get("drift") and not r["result"].get("held") and r["status"] != "failed"
        )
        print(f"  -> {compliant} of {len(rechecked)} hosts compliant")
        held = {host: held_by_group_policy(r["result"]) for host, r in rechecked.items() if r["status"] != "failed"}
        held = {host: settings for host, settings in held.items() if settings}
        for host, settings in sorted(held.items()):
            print(f"  -> {host} keeps what Group Policy sets: {', '.join(settings)}.")
            print(
                "     Change the GPO, or set override_owner: [group_policy] to write it anyway (a policy refresh "
                "reverts that)."
            )
    print("\nFiles:")
    print(f"  playbook            {PLAYBOOK.relative_to(REPO_ROOT)}")
    print(
        f"  simulated registry  {fleet_dir.relative_to(REPO_ROOT)}/<host>.reg (regedit format, updated by every write)"
    )
    print(f"  inventory           {fleet.inventory.relative_to(REPO_ROOT)}")
    print(f"  WinRM command log   {fleet.log.relative_to(REPO_ROOT)} (one JSON line per host command)")
    print(f"  ansible output      {work.relative_to(REPO_ROOT)}/<step>.ansible.log, task results in <step>.jsonl")
    print(f"  compliance report   {report.relative_to(REPO_ROOT)}/compliance.json, .junit.xml, .csv (step 1)")
    print(f"  older runs          {RUNS.relative_to(REPO_ROOT)}/ keeps the last {KEEP_RUNS}")
    print(
        f"\nDemo finished in {time.monotonic() - started:.1f} s. The compliance report of step 1, to open in a browser:"
    )
    print(report / "compliance.html")
    # Values Group Policy owns are held on purpose and said so above; anything else left over is a failure.
    return 0 if compliant + len(held) == len(rechecked) else 1


if __name__ == "__main__":
    sys.exit(main())
