"""A role's check of compliant hosts against one proxy_baseline task (``make bench-roles``).

    python -m tests.bench.roles [--hosts 100] [--forks 20]

On one simulated fleet (copies of the fixture hosts) and in one run: each role converges the fleet first
(not measured; hosts the role fails, for findings it was not asked to fix, are left out of the measured
runs), then, per role, on the compliant hosts:

  (a) one proxy_baseline task with the arguments the role gives it (the steady state: no write);
  (b) the whole role (ansible-core's validation of its variables, then its one task), the steady state;
  (c) the role's check without the role: one proxy_baseline task with ``role: <role>``, the variables as play vars;
  (d) the whole role through ``ansible.builtin.import_role`` with ``rolespec_validate: false`` (the plugin validates
      the same variables against the same spec, so ansible-core's validation task is left out);
  and, for where the difference goes, (a) with ``facts: true``.

Prints per host the host commands, wall time and controller CPU of each, and b/a, c/a and d/a (target at
most 1.3 in controller CPU). Exits 1 when a measured run fails a host, or when the role's steady state takes
more than one host command per host.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from tests.bench._bench import Measured, run_playbook, write_fleet
from tests.simfleet import RunningFleet

PROXY = "proxy.corp.example:8080"
PLAY_HEAD = "- name: {name}\n  hosts: windows\n  gather_facts: false\n"

ROLE_VARS = {
    "delivery_optimization": (
        f"        delivery_optimization_proxy: {PROXY}\n"
        '        delivery_optimization_bypass: ["<local>", "*.corp.example"]\n'
    ),
    "defender_endpoint": f"        defender_endpoint_proxy: {PROXY}\n",
}
# The proxy_baseline task each role runs with the variables above, written out.
BASELINE_TASKS = {
    "delivery_optimization": f"""
      proxyfleet.windows.proxy_baseline:
        wininet:
          proxy: {PROXY}
          bypass: ["<local>", "*.corp.example", "*.do.dsp.mp.microsoft.com"]
          auto_detect: false
          per_machine: true
          override_gpo: false
        winhttp:
          state: absent
          override_gpo: false
""",
    "defender_endpoint": f"""
      proxyfleet.windows.proxy_baseline:
        telemetry:
          proxy: {PROXY}
          disable_enterprise_auth_proxy: true
          override_gpo: false
        defender:
          proxy_server: http://{PROXY}
          override_gpo: false
""",
}


def role_play(role: str, fail_on_findings: bool = True) -> str:
    switch = f"        {role}_fail_on_findings: {str(fail_on_findings).lower()}\n"
    return (
        PLAY_HEAD.format(name=role)
        + f"  roles:\n    - role: proxyfleet.windows.{role}\n      vars:\n"
        + ROLE_VARS[role]
        + switch
    )


def role_task_play(role: str) -> str:
    """(c) the role's check without the role: one proxy_baseline task with ``role``, the variables as play vars."""
    return (
        PLAY_HEAD.format(name=f"{role} in one task")
        + "  vars:\n"
        + ROLE_VARS[role].replace("        ", "    ")
        + f"  tasks:\n    - name: Role check\n      proxyfleet.windows.proxy_baseline:\n        role: {role}\n"
    )


def import_role_play(role: str) -> str:
    """(d) the whole role, imported without ansible-core's validation task (the plugin validates)."""
    return (
        PLAY_HEAD.format(name=f"{role} imported")
        + "  vars:\n"
        + ROLE_VARS[role].replace("        ", "    ")
        + "  tasks:\n    - name: Role\n      ansible.builtin.import_role:\n"
        + f"        name: proxyfleet.windows.{role}\n        rolespec_validate: false\n"
    )


def baseline_play(role: str, facts: bool = False) -> str:
    task = BASELINE_TASKS[role] + ("        facts: true\n" if facts else "")
    return PLAY_HEAD.format(name=f"{role} baseline") + "  tasks:\n    - name: Baseline\n" + task


def per_host(measured: Measured, hosts: int) -> tuple[float, float, float]:
    """(host commands, wall ms, CPU ms) per host."""
    return measured.commands / hosts, measured.wall / hosts * 1000, measured.cpu / hosts * 1000


def _failed_hosts(measured: Measured) -> set[str]:
    return {str(entry["host"]) for entry in measured.results if entry["status"] in ("failed", "unreachable")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.roles", description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--forks", type=int, default=20)
    args = parser.parse_args(argv)
    figures: dict[str, dict[str, tuple[float, float, float]]] = {}
    compliant: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="proxyfleet-bench-roles-") as temp:
        work = Path(temp)
        names = write_fleet(work / "fleet", args.hosts)
        with RunningFleet(work / "fleet", work) as running:
            for role in ROLE_VARS:
                converge = run_playbook(running, work, f"{role}-converge", role_play(role), args.forks)
                hosts = sorted(set(names) - _failed_hosts(converge))
                compliant[role] = len(hosts)
                limit = work / f"{role}.limit"
                limit.write_text("\n".join(hosts) + "\n", encoding="utf-8")
                runs = {
                    "a": baseline_play(role),
                    "f": baseline_play(role, facts=True),
                    "b": role_play(role),
                    "c": role_task_play(role),
                    "d": import_role_play(role),
                }
                figures[role] = {}
                for name in ("a", "f", "b", "c", "d"):
                    measured = run_playbook(
                        running, work, f"{role}-{name}", runs[name], args.forks, f"--limit=@{limit}"
                    )
                    bad = [entry for entry in measured.results if entry["status"] not in ("ok", "skipped")]
                    if measured.rc != 0 or bad:
                        print(f"{role} run {name} failed: rc {measured.rc}, {bad[:2]}\n{measured.stderr[-2000:]}")
                        return 1
                    figures[role][name] = per_host(measured, len(hosts))
    print(f"{args.hosts} hosts, forks {args.forks}, load {os.getloadavg()}; steady state, per compliant host:")
    print(f"  {'':58} {'commands':>8} {'wall ms':>8} {'CPU ms':>8}")
    worst = 0.0
    for role, runs in figures.items():
        labels = (
            ("a", "(a) one proxy_baseline task"),
            ("f", "    the same with facts: true"),
            ("b", "(b) the role"),
            ("c", "(c) proxy_baseline role: <role>, no role"),
            ("d", "(d) the role, import_role rolespec_validate: false"),
        )
        for name, label in labels:
            commands, wall, cpu = runs[name]
            print(f"  {role + ' ' + label:58} {commands:8.2f} {wall:8.1f} {cpu:8.1f}")
        a = runs["a"]
        worst = max(worst, runs["b"][0], runs["c"][0], runs["d"][0])
        ratio = "; ".join(
            f"{name}/a CPU {runs[name][2] / a[2]:.2f} wall {runs[name][1] / a[1]:.2f}" for name in ("b", "c", "d")
        )
        print(f"  {role}: {ratio} (target CPU <= 1.3); {compliant[role]} hosts")
    return 1 if worst > 1 else 0


if __name__ == "__main__":
    sys.exit(main())
