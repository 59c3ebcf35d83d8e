"""Fixtures that start the simulated fleet and run real ansible-playbook against it."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.demo_fleet import DEMO_HOSTS, DemoHost, write_fleet
from tests.simfleet import REPO_ROOT, RunningFleet, ansible_env
from tests.winsim.registry import Registry

HERE = Path(__file__).resolve().parent
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")


@dataclasses.dataclass
class PlaybookRun:
    """One ansible-playbook run: exit code, output and the recorded task results."""

    rc: int
    stdout: str
    stderr: str
    results: list[dict]

    def for_task(self, task: str) -> dict[str, dict]:
        """The results of one task, by host."""
        return {entry["host"]: entry for entry in self.results if entry["task"] == task}


class Fleet:
    """A running simulated fleet plus helpers to run playbooks and read host registries."""

    def __init__(self, running: RunningFleet, work: Path, names: list[str]) -> None:
        self.running = running
        self.work = work
        self.names = names
        self._runs = 0

    def reg_bytes_of(self, host: str) -> bytes:
        return (self.running.fleet_dir / f"{host}.reg").read_bytes()

    def registry(self, host: str) -> Registry:
        """The host's registry as the simulator last saved it."""
        return Registry.load(self.running.fleet_dir / f"{host}.reg")

    def reg_bytes(self) -> dict[str, bytes]:
        return {name: (self.running.fleet_dir / f"{name}.reg").read_bytes() for name in self.names}

    def playbook(self, body: str, *args: str, limit: str | None = None) -> PlaybookRun:
        """Run a playbook given as YAML text (its plays) against the fleet."""
        self._runs += 1
        playbook = self.work / f"play{self._runs}.yml"
        playbook.write_text(textwrap.dedent(body), encoding="utf-8")
        record = self.work / f"results{self._runs}.jsonl"
        command = [ANSIBLE_PLAYBOOK, "-i", str(self.running.inventory), str(playbook), *args]
        if limit:
            command += ["--limit", limit]
        env = ansible_env(
            {
                "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
                "ANSIBLE_CALLBACKS_ENABLED": "record_results",
                "RECORD_RESULTS_FILE": str(record),
                "ANSIBLE_FORKS": "20",
            }
        )
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
        results = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
        return PlaybookRun(done.returncode, done.stdout, done.stderr, results)


def _start(tmp_path: Path, auth: str, hosts: tuple[DemoHost, ...], faults: Path | None = None) -> Iterator[Fleet]:
    fleet_dir = tmp_path / "fleet"
    write_fleet(fleet_dir, hosts)
    with RunningFleet(fleet_dir, tmp_path, auth=auth, faults=faults) as running:
        yield Fleet(running, tmp_path, [host.name for host in hosts])


@pytest.fixture(params=["basic-https", "ntlm-http"])
def fleet(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fleet]:
    """The demo fleet behind the simulator, once per authentication mode."""
    yield from _start(tmp_path, request.param, DEMO_HOSTS)


@pytest.fixture
def basic_fleet(tmp_path: Path) -> Iterator[Fleet]:
    """The demo fleet over Basic/HTTPS only, for tests whose point is not the transport."""
    yield from _start(tmp_path, "basic-https", DEMO_HOSTS)


@pytest.fixture
def faulty_fleet(tmp_path: Path) -> Iterator[Fleet]:
    """The demo fleet with a faults file (tmp_path/faults.json, empty at first) the tests fill in."""
    faults = tmp_path / "faults.json"
    faults.write_text("[]", encoding="utf-8")
    yield from _start(tmp_path, "basic-https", DEMO_HOSTS, faults)


@pytest.fixture
def fixture_fleet(tmp_path: Path) -> Iterator[Fleet]:
    """The realistic hosts of tests/fixtures/hosts (regedit exports), over Basic/HTTPS."""
    fleet_dir = tmp_path / "fleet"
    fleet_dir.mkdir()
    names = []
    for source in sorted((REPO_ROOT / "tests" / "fixtures" / "hosts").glob("*.reg")):
        shutil.copyfile(source, fleet_dir / source.name)
        if source.with_suffix(".json").exists():  # the host's facts (RSoP rows for wmi_query)
            shutil.copyfile(source.with_suffix(".json"), fleet_dir / f"{source.stem}.json")
        names.append(source.stem)
    with RunningFleet(fleet_dir, tmp_path) as running:
        yield Fleet(running, tmp_path, names)
