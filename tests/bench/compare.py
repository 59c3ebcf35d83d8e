"""proxy_baseline against Ansible's floor and against one task per value (``make bench``).

    python -m tests.bench.compare [--hosts 56] [--forks 20]

On one simulated fleet (copies of the fixture hosts) and in one run, measures per host the host
commands, wall time and controller CPU of:

  (a) proxy_baseline --check of every surface;
  (b) Ansible's floor: one ``ansible.builtin.raw`` no-op task over the same WinRM. The simulator runs
      only our agent, so it answers the no-op with exit 1 (``failed_when: false``): the same round
      trip as a successful no-op;
  (c) the per-value approach users write today, one task per registry value (ansible.windows'
      win_regedit, win_reg_stat). ansible.windows' modules cannot run on the simulator, so each task
      is emulated by a benchmark-only action plugin reading that one value in one host command of our
      agent (tests/bench/action_plugins). The values are the ones (a) checks, as its write on a
      clean host shows. Real win_regedit ships its module and exec wrapper per task, so (c) is a
      lower bound of that approach's cost.

Prints the ratios a/b (target at most 1.25) and c/a (target at least 5).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from tests.bench._bench import BASELINE_ARGS, BASELINE_TASK, Measured, run_playbook, write_fleet
from tests.inprocess import InProcessHost
from tests.simfleet import RunningFleet

PLAY_HEAD = "- name: {name}\n  hosts: windows\n  gather_facts: false\n  tasks:\n"


class _RecordingHost(InProcessHost):
    """Keeps every request the plugin sends."""

    requests: list[dict]

    def execute(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True, **kwargs: object) -> dict:
        self.requests = [*getattr(self, "requests", []), json.loads(in_data or b"{}")["request"]]
        return super().execute(cmd, in_data, sudoable, **kwargs)


def checked_values() -> list[dict[str, object]]:
    """Every registry value proxy_baseline manages, from its write on the clean fixture host."""
    host = _RecordingHost.from_fixture("clean-host")
    host.run("proxy_baseline", BASELINE_ARGS)
    (apply,) = [op for request in host.requests for op in request["operations"] if op["op"] == "apply"]
    values = []
    for change in apply["changes"]:
        if "name" in change and not change["path"].lower().startswith("software\\proxyfleet"):
            values.append({key: change[key] for key in ("hive", "path", "view", "name")})
    return values


def plays(values: list[dict[str, object]]) -> dict[str, str]:
    baseline = PLAY_HEAD.format(name="a") + "    - name: Baseline\n" + BASELINE_TASK
    floor = (
        PLAY_HEAD.format(name="b")
        + "    - name: No-op\n      ansible.builtin.raw: exit 0\n      changed_when: false\n      failed_when: false\n"
    )
    per_value = PLAY_HEAD.format(name="c")
    for number, value in enumerate(values):
        per_value += f"    - name: Value {number}\n      bench_read_value: {json.dumps(value)}\n"
    return {"a": baseline, "b": floor, "c": per_value}


def per_host(measured: Measured, hosts: int) -> tuple[float, float, float]:
    """(host commands, wall ms, CPU ms) per host."""
    return measured.commands / hosts, measured.wall / hosts * 1000, measured.cpu / hosts * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.compare", description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=56)
    parser.add_argument("--forks", type=int, default=20)
    args = parser.parse_args(argv)
    values = checked_values()
    texts = plays(values)
    figures: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="proxyfleet-bench-") as temp:
        work = Path(temp)
        write_fleet(work / "fleet", args.hosts)
        with RunningFleet(work / "fleet", work) as running:
            run_playbook(running, work, "warmup", texts["b"], args.forks)  # byte-compiles, fills caches
            for name in ("b", "a", "c"):
                check = ("--check",) if name == "a" else ()
                measured = run_playbook(running, work, name, texts[name], args.forks, *check)
                bad = [entry for entry in measured.results if entry["status"] not in ("ok", "changed")]
                if measured.rc != 0 or bad:
                    print(f"run {name} failed: rc {measured.rc}, {bad[:2]}\n{measured.stderr[-2000:]}")
                    return 1
                figures[name] = per_host(measured, args.hosts)
    a, b, c = figures["a"], figures["b"], figures["c"]
    print(f"{args.hosts} hosts, forks {args.forks}, load {os.getloadavg()}; per host:")
    print(f"  {'':44} {'commands':>8} {'wall ms':>8} {'CPU ms':>8}")
    labels = {
        "a": "(a) proxy_baseline --check, every surface",
        "b": "(b) raw no-op (Ansible's floor)",
        "c": f"(c) one task per value ({len(values)} values)",
    }
    for name, label in labels.items():
        commands, wall, cpu = figures[name]
        print(f"  {label:44} {commands:8.2f} {wall:8.1f} {cpu:8.1f}")
    print(f"  a/b  wall {a[1] / b[1]:.2f}  CPU {a[2] / b[2]:.2f}   (target <= 1.25)")
    print(f"  c/a  wall {c[1] / a[1]:.2f}  CPU {c[2] / a[2]:.2f}  commands {c[0] / a[0]:.1f}   (target >= 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
