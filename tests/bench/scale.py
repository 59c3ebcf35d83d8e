"""Ours against Ansible's floor, 1,000 simulated hosts at forks 50, with and without a CA trust file (make bench-scale).

    python -m tests.bench.scale [--hosts 1000] [--forks 50]

The fleet is copies of the fixture hosts (tests/fixtures/hosts) in turn, all served by one simulator process on one
port, each host on its own WS-Man path. In one run, on the same fleet, it measures six playbooks: the floor (an
``ansible.builtin.raw`` no-op over the same WinRM), the agent floor (``action_plugins/bench_agent_noop.py``: the
same task arguments and WinRM messages as ours, the agent core on stdin with an empty request, none of our work) and
ours (one ``proxy_baseline`` check of every surface), each with the inventory as the simulator writes it
(``ansible_winrm_ca_trust_path``: a trust file holding only the simulator's CA) and without it (certificate
validation off, the HTTP client's default CA bundle). Prints wall time, controller CPU and peak controller memory
(PSS of ansible-playbook and its forks) of each, ours/floor and ours/agent floor for each, what the trust file
saves, and the load average (other processes share the machine). Every host's answer is compared with the answer the
same plugin gives in-process for the fixture it copies; exits 1 when a host is unreachable, failed or answered
wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import yaml

from tests.bench._bench import (
    BASELINE_ARGS,
    BASELINE_TASK,
    TEMPLATES,
    Measured,
    run_playbook,
    template_of,
    write_fleet,
)
from tests.inprocess import InProcessHost
from tests.simfleet import RunningFleet

TASK = "Baseline"
OURS = f"- name: Scale\n  hosts: windows\n  gather_facts: false\n  tasks:\n    - name: {TASK}\n{BASELINE_TASK}"
# The agent floor: the same arguments and the same WinRM messages as ours, none of our work (action_plugins/).
AGENT_FLOOR_TASK = "Agent no-op"
AGENT_FLOOR = OURS.replace(f"- name: {TASK}\n", f"- name: {AGENT_FLOOR_TASK}\n").replace(
    "proxyfleet.windows.proxy_baseline:", "bench_agent_noop:"
)
FLOOR = (
    "- name: Floor\n  hosts: windows\n  gather_facts: false\n  tasks:\n"
    "    - name: No-op\n      ansible.builtin.raw: exit 0\n      changed_when: false\n      failed_when: false\n"
)


def expected_answers() -> dict[str, tuple[bool, list]]:
    """(changed, drift) of a check for each fixture host, computed in-process."""
    answers = {}
    for template in TEMPLATES:
        done = InProcessHost.from_fixture(template).run("proxy_baseline", BASELINE_ARGS, check_mode=True)
        assert done.result is not None, done.error
        answers[template] = (done.result["changed"], done.result["drift"])
    return answers


def without_trust_file(inventory: Path, target: Path) -> Path:
    """The simulator's inventory without its CA trust file (validation off, as before the trust file)."""
    data = yaml.safe_load(inventory.read_text(encoding="utf-8"))
    variables = data["all"]["children"]["windows"]["vars"]
    variables.pop("ansible_winrm_ca_trust_path", None)
    variables["ansible_winrm_server_cert_validation"] = "ignore"
    target.write_text(yaml.safe_dump(data), encoding="utf-8")
    target.chmod(0o600)
    return target


def problems(measured: Measured, names: list[str], task: str, expected: dict[str, tuple[bool, list]] | None) -> str:
    """What went wrong in a run, or ''."""
    by_host = {entry["host"]: entry for entry in measured.results if entry["task"] == task}
    bad = sorted(host for host, entry in by_host.items() if entry["status"] not in ("ok", "changed"))
    missing = sorted(set(names) - set(by_host))
    wrong = sorted(
        host
        for host, entry in by_host.items()
        if expected is not None
        and entry["status"] in ("ok", "changed")
        and (entry["result"]["changed"], entry["result"]["drift"]) != expected[template_of(host)]
    )
    if measured.rc or bad or missing or wrong:
        return f"rc {measured.rc}, not ok {bad[:5]}, missing {missing[:5]}, wrong {wrong[:5]}: {measured.stderr[-500:]}"
    return ""


def line(label: str, measured: Measured, hosts: int) -> str:
    return (
        f"  {label:<34}{measured.wall:8.1f} s {measured.cpu:8.1f} s {measured.cpu / hosts * 1000:7.1f} ms "
        f"{measured.peak_pss / 2**20:7.0f} MiB {measured.commands / hosts:6.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--forks", type=int, default=50)
    parser.add_argument(
        "--remediation", action="store_true", help="then also remediate the fleet (writes) and check it again"
    )
    args = parser.parse_args(argv)
    expected = expected_answers()
    load_before = os.getloadavg()
    runs: dict[tuple[str, str], Measured] = {}
    with tempfile.TemporaryDirectory(prefix="proxyfleet-scale-") as temp:
        work = Path(temp)
        names = write_fleet(work / "fleet", args.hosts)
        running = RunningFleet(work / "fleet", work)
        running.start(timeout=600)  # loading 1,000 .reg files takes a while
        try:
            inventories = {"trust file": running.inventory, "no trust file": without_trust_file(
                running.inventory, work / "inventory-no-trust-file.yml")}  # fmt: skip
            run_playbook(running, work, "warmup", FLOOR, args.forks, "--limit", ",".join(names[:20]))  # byte-compiles
            # Floor and ours alternate, so a change in the machine's load weighs on both alike.
            for trust in ("no trust file", "trust file"):
                for kind, body, task in (
                    ("floor", FLOOR, "No-op"),
                    ("agent floor", AGENT_FLOOR, AGENT_FLOOR_TASK),
                    ("ours", OURS, TASK),
                ):
                    # raw has no check mode (it would be skipped); the no-op changes nothing anyway.
                    check = ("--check",) if kind != "floor" else ()
                    measured = run_playbook(
                        running, work, f"{kind}-{trust.replace(' ', '-')}", body, args.forks, *check,
                        inventory=inventories[trust],
                    )  # fmt: skip
                    wrong = problems(measured, names, task, expected if kind == "ours" else None)
                    if wrong:
                        print(f"{kind} with {trust}: {wrong}")
                        return 1
                    runs[kind, trust] = measured
            if args.remediation:
                runs["remediation", "trust file"] = run_playbook(running, work, "remediation", OURS, args.forks)
                runs["check after", "trust file"] = run_playbook(
                    running, work, "check-after", OURS, args.forks, "--check"
                )
        finally:
            running.stop()
    load_after = os.getloadavg()
    hosts = args.hosts
    print(f"{hosts} hosts, forks {args.forks}; floor: raw no-op; ours: proxy_baseline --check of every surface")
    print(f"  load average {' '.join(f'{x:.2f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.2f}' for x in load_after)} after ({os.cpu_count()} CPUs, shared)")  # fmt: skip
    print(f"  {'':<34}{'wall':>10} {'CPU':>10} {'CPU/host':>10} {'peak PSS':>11} {'cmds/host':>10}")
    for trust in ("no trust file", "trust file"):
        for kind in ("floor", "agent floor", "ours"):
            print(line(f"{kind}, {trust}", runs[kind, trust], hosts))
    for kind in ("remediation", "check after"):
        if (kind, "trust file") in runs:
            print(line(f"{kind}, trust file", runs[kind, "trust file"], hosts))
    for trust in ("no trust file", "trust file"):
        ours, floor, agent = runs["ours", trust], runs["floor", trust], runs["agent floor", trust]
        print(
            f"  ours/floor, {trust:<14} wall {ours.wall / floor.wall:.2f}  CPU {ours.cpu / floor.cpu:.2f}  "
            f"peak PSS {ours.peak_pss / floor.peak_pss:.2f}"
        )
        print(
            f"  ours/agent floor, {trust:<8} wall {ours.wall / agent.wall:.2f}  CPU {ours.cpu / agent.cpu:.2f}  "
            f"peak PSS {ours.peak_pss / agent.peak_pss:.2f}; agent floor/floor CPU {agent.cpu / floor.cpu:.2f}"
        )
    for kind in ("floor", "ours"):
        without, with_file = runs[kind, "no trust file"], runs[kind, "trust file"]
        saved = (without.cpu - with_file.cpu) / hosts * 1000
        share = 100 * (without.cpu - with_file.cpu) / without.cpu
        print(
            f"  trust file saves ({kind}): {saved:.1f} ms controller CPU per host ({share:.0f} %), "
            f"wall {without.wall:.1f} -> {with_file.wall:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
