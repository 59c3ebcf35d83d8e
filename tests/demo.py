"""``make demo``: the product's main job against a simulated fleet of Windows hosts.

Starts the simulated fleet, runs playbooks/demo_winhttp.yml in check mode (a compliance report),
applies it, checks again, and says where every file is.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import time
from pathlib import Path

from tests.demo_fleet import BYPASS, DEMO_HOSTS, PROXY, write_fleet
from tests.simfleet import REPO_ROOT, RunningFleet, ansible_env

PLAYBOOK = REPO_ROOT / "playbooks" / "demo_winhttp.yml"
CALLBACKS = REPO_ROOT / "tests" / "integration" / "callback_plugins"
TASK = "WinHTTP proxy in both registry views"
STORIES = {host.name: host.story for host in DEMO_HOSTS}


def describe_view_drift(items: list[dict]) -> str:
    """One view's drift in words: ``proxy old -> new, bypass missing 10.*``."""
    words = []
    for item in items:
        field, current, desired = item["setting"].split(".")[-1], item["current"], item["desired"]
        if field == "access_type":
            continue
        if field == "bypass":
            missing = [entry for entry in desired if entry.lower() not in {c.lower() for c in current}]
            extra = [entry for entry in current if entry.lower() not in {d.lower() for d in desired}]
            words += [f"bypass missing {' '.join(missing)}"] if missing else []
            words += [f"bypass has extra {' '.join(extra)}"] if extra else []
        else:
            words.append(f"{field} {current or '(none)'} -> {desired or '(none)'}")
    access = next((item for item in items if item["setting"].endswith(".access_type")), None)
    if access is not None and access["current"] != "named_proxy" and access["desired"] == "named_proxy":
        proxy = next((item["desired"] for item in items if item["setting"].endswith(".proxy")), "")
        return f"{access['current']} -> proxy {proxy}"
    if access is not None:
        words.insert(0, f"{access['current']} -> {access['desired']}")
    return ", ".join(words)


def describe_drift(drift: list[dict]) -> str:
    """A host's drift, per view, merged when both views are wrong the same way."""
    by_view: dict[str, list[dict]] = {}
    for item in drift:
        by_view.setdefault(item["setting"].split(".")[1], []).append(item)
    texts = {view: describe_view_drift(items) for view, items in by_view.items()}
    if len(texts) == 2 and len(set(texts.values())) == 1:
        return f"both views: {next(iter(texts.values()))}"
    return "; ".join(f"{view}-bit: {text}" for view, text in texts.items())


def run_playbook(fleet: RunningFleet, work: Path, label: str, *args: str) -> tuple[dict[str, dict], float]:
    record = work / f"{label}.jsonl"
    output = work / f"{label}.ansible.log"
    env = ansible_env(
        {
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "RECORD_RESULTS_FILE": str(record),
            "ANSIBLE_FORKS": "20",
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


def print_report(title: str, results: dict[str, dict], elapsed: float, verb: str, show_stories: bool = False) -> None:
    print(f"\n{title}")
    width = max(len(name) for name in results)
    drifting = 0
    for host in sorted(results):
        result = results[host]["result"]
        drift = result.get("drift", [])
        if results[host]["status"] == "failed":
            status, detail = "FAILED", result.get("msg", "")
        elif drift:
            drifting += 1
            status, detail = verb, describe_drift(drift)
        else:
            status, detail = "ok", "compliant"
        print(f"  {host:<{width}}  {status:<9} {detail}")
        if verb == "DRIFT" and show_stories:
            print(f"  {'':<{width}}  {'':<9} ({STORIES[host]})")
        warnings = result.get("warnings") or []
        for warning in warnings:
            print(f"  {'':<{width}}  {'':<9} warning: {warning}")
    commands = sum(int(results[host]["result"].get("host_commands", 0)) for host in results)
    print(
        f"  -> {drifting} of {len(results)} hosts {'drift' if verb == 'DRIFT' else 'changed'}; "
        f"{commands} WinRM commands in all; {elapsed:.1f} s"
    )


def main() -> int:
    started = time.monotonic()
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    work = REPO_ROOT / "build" / "demo" / stamp
    fleet_dir = work / "fleet"
    write_fleet(fleet_dir)
    print("proxyfleet.windows demo: the WinHTTP default proxy across a fleet of simulated Windows hosts")
    print(f"Desired state: proxy {PROXY}, bypass {'; '.join(BYPASS)}, in the 64-bit and the 32-bit registry view")
    print(
        "(the value `netsh winhttp set proxy` writes; LocalSystem services such as the Defender for Endpoint "
        "sensor use it)"
    )
    with RunningFleet(fleet_dir, work) as fleet:
        print(f"\nStarted {len(DEMO_HOSTS)} simulated hosts behind one WinRM listener (Basic auth over HTTPS).")

        checked, elapsed = run_playbook(fleet, work, "1-check", "--check")
        print_report(
            "1. Compliance check (check mode: reads each host once, writes nothing)",
            checked,
            elapsed,
            "DRIFT",
            show_stories=True,
        )

        applied, elapsed = run_playbook(fleet, work, "2-apply", "--diff")
        print_report(
            "2. Remediation (reads, then writes only what differs, with an on-host backup first)",
            applied,
            elapsed,
            "CHANGED",
        )
        backups = {host: r["result"]["backup_id"] for host, r in applied.items() if r["result"].get("backup_id")}
        if backups:
            host, backup = sorted(backups.items())[0]
            print(
                "  prior values backed up on each changed host, e.g. "
                f"{host}: HKLM\\SOFTWARE\\proxyfleet\\Backups\\{backup}"
            )

        rechecked, elapsed = run_playbook(fleet, work, "3-recheck", "--check")
        print_report("3. Re-check (check mode)", rechecked, elapsed, "DRIFT")
        compliant = sum(1 for r in rechecked.values() if not r["result"].get("drift") and r["status"] != "failed")
        print(f"  -> {compliant} of {len(rechecked)} hosts compliant")
    print("\nFiles:")
    print(f"  playbook            {PLAYBOOK.relative_to(REPO_ROOT)}")
    print(
        f"  simulated registry  {fleet_dir.relative_to(REPO_ROOT)}/<host>.reg (regedit format, updated by every write)"
    )
    print(f"  inventory           {fleet.inventory.relative_to(REPO_ROOT)}")
    print(f"  WinRM command log   {fleet.log.relative_to(REPO_ROOT)} (one JSON line per host command)")
    print(f"  ansible output      {work.relative_to(REPO_ROOT)}/<step>.ansible.log, task results in <step>.jsonl")
    print(f"\nDemo finished in {time.monotonic() - started:.1f} s.")
    return 0 if compliant == len(rechecked) else 1


if __name__ == "__main__":
    sys.exit(main())
