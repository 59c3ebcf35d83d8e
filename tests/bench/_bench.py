"""What the benchmark scripts share: a simulated fleet of N hosts, timed playbook runs, memory sampling.

Controller CPU is the user + system time of ansible-playbook and every process it forked (read with
``getrusage(RUSAGE_CHILDREN)`` around the run; the simulator is a child too, but it is reaped only
after all runs, so it is not counted). Peak memory is the largest sum of resident set sizes of
ansible-playbook and its descendants, sampled from /proc every 0.25 s; RSS counts the pages forks
share with their parent once per fork, so the proportional set size (PSS, shared pages split among
their users) is sampled too: it is the memory the run really takes.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.simfleet import REPO_ROOT, RunningFleet, ansible_env, link_collection

# The in-process reference answers import the collection by its name, as tests/conftest.py arranges for pytest.
if str(link_collection()) not in sys.path:
    sys.path.insert(0, str(link_collection()))

FIXTURE_HOSTS = REPO_ROOT / "tests" / "fixtures" / "hosts"
TEMPLATES = sorted(path.stem for path in FIXTURE_HOSTS.glob("*.reg"))
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
CALLBACKS = REPO_ROOT / "tests" / "integration" / "callback_plugins"

# Every surface, as a corporate baseline would set it (the same as the integration tests).
BASELINE_TASK = """
      proxyfleet.windows.proxy_baseline:
        wininet:
          proxy: proxy.corp.example:8080
          bypass: ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]
        winhttp:
          source: wininet
        telemetry:
          proxy: proxy.corp.example:8080
        defender:
          proxy_server: http://proxy.corp.example:8080
          bypass: ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]
        delivery_optimization:
          download_mode: lan
"""
BASELINE_ARGS = {
    "wininet": {
        "proxy": "proxy.corp.example:8080",
        "bypass": ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"],
    },
    "winhttp": {"source": "wininet"},
    "telemetry": {"proxy": "proxy.corp.example:8080"},
    "defender": {
        "proxy_server": "http://proxy.corp.example:8080",
        "bypass": ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"],
    },
    "delivery_optimization": {"download_mode": "lan"},
}


def template_of(host: str) -> str:
    """The fixture host a fleet host is a copy of: ``clean-host-0007`` -> ``clean-host``."""
    return host.rsplit("-", 1)[0]


def write_fleet(directory: Path, count: int) -> list[str]:
    """``count`` hosts, copies of the fixture hosts in turn, named ``<fixture>-<number>``."""
    directory.mkdir(parents=True, exist_ok=True)
    names = []
    for number in range(count):
        template = TEMPLATES[number % len(TEMPLATES)]
        name = f"{template}-{number:04d}"
        shutil.copyfile(FIXTURE_HOSTS / f"{template}.reg", directory / f"{name}.reg")
        if (FIXTURE_HOSTS / f"{template}.json").exists():
            shutil.copyfile(FIXTURE_HOSTS / f"{template}.json", directory / f"{name}.json")
        names.append(name)
    return names


@dataclasses.dataclass
class Measured:
    """One timed ansible-playbook run."""

    rc: int
    wall: float
    cpu: float
    peak_rss: int  # bytes, ansible-playbook and its forks together
    peak_pss: int  # bytes, the same with shared pages counted once
    commands: int  # host commands the simulator logged during the run
    results: list[dict]
    stdout: str
    stderr: str


class _TreeMemory(threading.Thread):
    """Samples the summed RSS of a process and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.peak_pss = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop_event.wait(0.25):
            tree = _tree(self.pid)
            self.peak = max(self.peak, sum(_rss_pages(pid) for pid in tree) * page)
            self.peak_pss = max(self.peak_pss, sum(_pss_bytes(pid) for pid in tree))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _rss_pages(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _pss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def run_playbook(
    running: RunningFleet, work: Path, name: str, body: str, forks: int, *args: str, inventory: Path | None = None
) -> Measured:
    """Run a playbook against the fleet (its own inventory unless ``inventory`` is given) and measure it."""
    playbook = work / f"{name}.yml"
    playbook.write_text(body, encoding="utf-8")
    record = work / f"{name}.jsonl"
    record.unlink(missing_ok=True)
    env = ansible_env(
        {
            "ANSIBLE_CALLBACK_PLUGINS": str(CALLBACKS),
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "RECORD_RESULTS_FILE": str(record),
            "ANSIBLE_FORKS": str(forks),
            "ANSIBLE_ACTION_PLUGINS": str(REPO_ROOT / "tests" / "bench" / "action_plugins"),
        }
    )
    commands_before = len(running.commands())
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [ANSIBLE_PLAYBOOK, "-i", str(inventory or running.inventory), str(playbook), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = _TreeMemory(process.pid)
    memory.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    memory.stop()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    results = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    commands = len(running.commands()) - commands_before
    return Measured(process.returncode, wall, cpu, memory.peak, memory.peak_pss, commands, results, stdout, stderr)
