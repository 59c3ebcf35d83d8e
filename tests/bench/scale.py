"""1,000 simulated hosts, one proxy_baseline check of every surface at forks 50 (``make bench-scale``).

    python -m tests.bench.scale [--hosts 1000] [--forks 50]

The fleet is copies of the fixture hosts (tests/fixtures/hosts) in turn, all served by one simulator
process on one port, each host on its own WS-Man path. Every host's answer is compared with the
answer the same plugin gives in-process for the fixture it copies: "wrong" counts differences in
``changed`` or ``drift``. Prints wall time, controller CPU, peak controller memory; exits 1 when a
host is unreachable, failed or answered wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from tests.bench._bench import BASELINE_ARGS, BASELINE_TASK, TEMPLATES, run_playbook, template_of, write_fleet
from tests.inprocess import InProcessHost
from tests.simfleet import RunningFleet

TASK = "Baseline"
PLAY = f"- name: Scale\n  hosts: windows\n  gather_facts: false\n  tasks:\n    - name: {TASK}\n{BASELINE_TASK}"


def expected_answers() -> dict[str, tuple[bool, list]]:
    """(changed, drift) of a check for each fixture host, computed in-process."""
    answers = {}
    for template in TEMPLATES:
        done = InProcessHost.from_fixture(template).run("proxy_baseline", BASELINE_ARGS, check_mode=True)
        assert done.result is not None, done.error
        answers[template] = (done.result["changed"], done.result["drift"])
    return answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--forks", type=int, default=50)
    args = parser.parse_args(argv)
    expected = expected_answers()
    with tempfile.TemporaryDirectory(prefix="proxyfleet-scale-") as temp:
        work = Path(temp)
        names = write_fleet(work / "fleet", args.hosts)
        running = RunningFleet(work / "fleet", work)
        running.start(timeout=600)  # loading 1,000 .reg files takes a while
        try:
            measured = run_playbook(running, work, "scale", PLAY, args.forks, "--check")
        finally:
            running.stop()
    by_host = {entry["host"]: entry for entry in measured.results if entry["task"] == TASK}
    unreachable = sorted(host for host, entry in by_host.items() if entry["status"] == "unreachable")
    failed = sorted(host for host, entry in by_host.items() if entry["status"] == "failed")
    missing = sorted(set(names) - set(by_host))
    wrong = sorted(
        host
        for host, entry in by_host.items()
        if entry["status"] in ("ok", "changed")
        and (entry["result"]["changed"], entry["result"]["drift"]) != expected[template_of(host)]
    )
    print(f"hosts {args.hosts}, forks {args.forks}, proxy_baseline --check of every surface; load {os.getloadavg()}")
    print(f"  answered       {len(by_host)}")
    print(f"  unreachable    {len(unreachable)} {unreachable[:5]}")
    print(f"  failed         {len(failed)} {failed[:5]}")
    print(f"  missing        {len(missing)} {missing[:5]}")
    print(f"  wrong answers  {len(wrong)} {wrong[:5]}")
    print(f"  host commands  {measured.commands} ({measured.commands / args.hosts:.2f} per host)")
    print(f"  wall           {measured.wall:.1f} s ({measured.wall / args.hosts * 1000:.0f} ms per host)")
    print(f"  controller CPU {measured.cpu:.1f} s ({measured.cpu / args.hosts * 1000:.0f} ms per host)")
    print(
        f"  peak memory    {measured.peak_pss / 2**20:.0f} MiB PSS, {measured.peak_rss / 2**20:.0f} MiB summed RSS "
        "(ansible-playbook and its forks together)"
    )
    return 1 if unreachable or failed or missing or wrong or measured.rc != 0 else 0


if __name__ == "__main__":
    sys.exit(main())
