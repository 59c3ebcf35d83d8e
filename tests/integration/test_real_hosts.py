"""Real hosts' own configurations, declared as the desired state, check compliant over WinRM and are never written.

The hosts are tests/fixtures/real-hosts (real machines' registry values, see make_hosts.REAL_HOSTS); the
declarations are make_hosts.REAL_HOSTS_OWN_CONFIGURATION, written the way the stock modules take them.
"""

from __future__ import annotations

import json
import shutil
import typing as t
from pathlib import Path

import pytest
import yaml

from tests.fixtures import make_hosts
from tests.integration.conftest import Fleet
from tests.simfleet import RunningFleet


@pytest.fixture
def real_fleet(tmp_path: Path) -> t.Iterator[Fleet]:
    fleet_dir = tmp_path / "fleet"
    fleet_dir.mkdir()
    for name in make_hosts.REAL_HOSTS:
        shutil.copyfile(make_hosts.REAL_HOSTS_DIR / f"{name}.reg", fleet_dir / f"{name}.reg")
    with RunningFleet(fleet_dir, tmp_path) as running:
        yield Fleet(running, tmp_path, list(make_hosts.REAL_HOSTS))


def playbook() -> str:
    plays = [
        {
            "name": f"{name} as it is",
            "hosts": name,
            "gather_facts": False,
            "tasks": [
                {"name": f"{module} {index}", f"proxyfleet.windows.{module}": args}
                for index, (module, args) in enumerate(tasks)
            ],
        }
        for name, tasks in make_hosts.REAL_HOSTS_OWN_CONFIGURATION.items()
    ]
    return yaml.safe_dump(plays, sort_keys=False)


def test_each_real_host_checks_compliant_and_a_run_writes_nothing(real_fleet: Fleet) -> None:
    original = real_fleet.reg_bytes()
    for arguments in (("--check",), ()):
        run = real_fleet.playbook(playbook(), *arguments)
        assert run.rc == 0, run.stdout + run.stderr
        for name, tasks in make_hosts.REAL_HOSTS_OWN_CONFIGURATION.items():
            for index, (module, _args) in enumerate(tasks):
                result = run.for_task(f"{module} {index}")[name]["result"]
                assert (result["changed"], result["drift"], result["host_commands"], result["backup_id"]) == (
                    False,
                    [],
                    1,
                    None,
                ), (name, module, result)
                assert result.get("warnings", []) == [], (name, module)
    assert real_fleet.reg_bytes() == original
    # One read per task and host, nothing else, in both runs.
    commands = [json.loads(line) for line in real_fleet.running.log.read_text().splitlines()]
    tasks = sum(len(tasks) for tasks in make_hosts.REAL_HOSTS_OWN_CONFIGURATION.values())
    assert len(commands) == 2 * tasks
