"""``make fleet``: the simulated fleet of the demo, in the foreground, to try the playbooks by hand.

Starts the demo's hosts behind one WinRM listener, writes an inventory whose groups choose the roles (as
docs/examples/ does, with its group_vars), prints the inventory's path and the exact commands to run
against it (the same ones docs/playbooks.md and docs/reports.md show, and tests/integration/test_fleet.py
runs as written), and serves until Ctrl-C.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
import typing as t
from pathlib import Path

import yaml

from tests.demo import build_fleet
from tests.simfleet import REPO_ROOT, RunningFleet

ROOT = REPO_ROOT / "build" / "fleet"
INVENTORY = ROOT / "inventory.yml"
REPORT_DIR = ROOT / "report"
PID_FILE = ROOT / "fleet.pid"
EXAMPLE_GROUP_VARS = REPO_ROOT / "docs" / "examples" / "group_vars"
# Hosts in the roles' groups (the realistic fixture hosts and three of the WinHTTP demo hosts); the other
# demo hosts are in no role's group, so a compliance run checks no setting on them: not assessed.
DELIVERY_OPTIMIZATION = [
    "clean-host",
    "srv2019-compliant",
    "srv2022-stale-netsh",
    "win10-do-group",
    "win11-gpo-telemetry",
    "win11-mde-half",
    "win11-peruser",
    "ws-002",
    "ws-004",
    "ws-005",
]
DEFENDER_ENDPOINT = ["clean-host", "srv2019-compliant", "srv2022-stale-netsh", "win11-mde-half", "win11-peruser"]
# What to run against the fleet, from the checkout root, exactly as the docs show it.
COMMANDS = (
    ".venv/bin/ansible-doc proxyfleet.windows.winhttp_proxy",
    "ANSIBLE_CALLBACKS_ENABLED=proxyfleet.windows.compliance_report PROXYFLEET_COMPLIANCE_REPORT_DIR=build/fleet/report"
    " .venv/bin/ansible-playbook -i build/fleet/inventory.yml playbooks/compliance.yml",
    ".venv/bin/ansible-playbook -i build/fleet/inventory.yml playbooks/remediate.yml --diff",
)


def group_vars(group: str) -> dict[str, t.Any]:
    """The example group_vars of a role's group (docs/examples/group_vars/<group>.yml)."""
    loaded = yaml.safe_load((EXAMPLE_GROUP_VARS / f"{group}.yml").read_text(encoding="utf-8"))
    return dict(loaded or {})


def write_inventory(simulator_inventory: Path, target: Path) -> dict[str, list[str]]:
    """The simulator's inventory (every host in ``windows``) plus the roles' groups; return the groups."""
    inventory = yaml.safe_load(simulator_inventory.read_text(encoding="utf-8"))
    windows = inventory["all"]["children"]["windows"]
    names = list(windows["hosts"])
    members = {"delivery_optimization": DELIVERY_OPTIMIZATION, "defender_endpoint": DEFENDER_ENDPOINT}
    windows["children"] = {
        group: {"hosts": {name: None for name in hosts if name in names}, "vars": group_vars(group)}
        for group, hosts in members.items()
    }
    grouped = {name for hosts in members.values() for name in hosts}
    # The file holds the run's WinRM password: owner-only, like the simulator's own.
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write("# Written by `make fleet` (python -m tests.fleet); valid while it runs.\n")
        yaml.safe_dump(inventory, stream, sort_keys=False)
    return {**members, "none": [name for name in names if name not in grouped]}


def already_running() -> int | None:
    """The pid of a `make fleet` that still serves build/fleet, if one does."""
    try:
        pid = int(PID_FILE.read_text(encoding="utf-8"))
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def main() -> int:
    other = already_running()
    if other is not None:
        print(
            f"error: a fleet already runs from {ROOT.relative_to(REPO_ROOT)} (pid {other}); stop it first",
            file=sys.stderr,
        )
        return 1
    shutil.rmtree(ROOT, ignore_errors=True)  # one fleet at a time: nothing piles up
    fleet_dir = ROOT / "hosts"
    count = build_fleet(fleet_dir)
    (ROOT / "simulator").mkdir()
    PID_FILE.write_text(str(os.getpid()), encoding="utf-8")
    # SIGTERM (from a test or a service manager) stops the simulator as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        with RunningFleet(fleet_dir, ROOT / "simulator") as fleet:
            groups = write_inventory(fleet.inventory, INVENTORY)
            port = json.dumps(
                yaml.safe_load(fleet.inventory.read_text(encoding="utf-8"))["all"]["children"]["windows"]["vars"][
                    "ansible_port"
                ]
            )
            print_instructions(count, port, groups, fleet)
            while fleet.alive():
                time.sleep(0.5)
            print("error: the simulator stopped; see " + str(fleet.stderr_path.relative_to(REPO_ROOT)), file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nfleet stopped")
        return 0
    finally:
        PID_FILE.unlink(missing_ok=True)


def print_instructions(count: int, port: str, groups: dict[str, list[str]], fleet: RunningFleet) -> None:
    lines = [
        f"proxyfleet.windows simulated fleet: {count} Windows hosts behind one WinRM listener on 127.0.0.1:{port}"
        " (Basic auth over HTTPS)",
        f"  group delivery_optimization  {len(groups['delivery_optimization'])} hosts"
        f" (group_vars: docs/examples/group_vars/delivery_optimization.yml)",
        f"  group defender_endpoint      {len(groups['defender_endpoint'])} hosts"
        f" (group_vars: docs/examples/group_vars/defender_endpoint.yml)",
        f"  in no role's group           {len(groups['none'])} hosts: {', '.join(groups['none'])}"
        " (a compliance run reports them as not_assessed)",
        "",
        f"inventory          {INVENTORY.relative_to(REPO_ROOT)}",
        f"simulated registry {fleet.fleet_dir.relative_to(REPO_ROOT)}/<host>.reg (regedit, updated by every write)",
        f"WinRM command log  {fleet.log.relative_to(REPO_ROOT)}",
        "",
        f"In another terminal, from the checkout root ({REPO_ROOT}):",
        *(f"  {command}" for command in COMMANDS),
        f"The compliance run writes its report to {REPORT_DIR.relative_to(REPO_ROOT)}/compliance.html (and .json, "
        ".junit.xml, .csv).",
        "If your shell sets HTTPS_PROXY, also set NO_PROXY=127.0.0.1,localhost.",
        "",
        "Serving until Ctrl-C.",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
