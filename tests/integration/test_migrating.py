"""Every "after" task of docs/migrating.md runs against the simulated fleet, and every "before" task uses
only the options the stock modules document.

Each scenario gets its own fresh copy of the clean Windows 11 host (tests/fixtures/hosts/clean-host.reg);
one play per scenario runs its "after" tasks for real, then again, which must change nothing.
"""

from __future__ import annotations

import re
import shutil
import typing as t
from pathlib import Path

import pytest
import yaml

from tests.demo_fleet import winhttp_blob
from tests.integration.conftest import Fleet
from tests.simfleet import REPO_ROOT, RunningFleet
from tests.winsim.regfile import REG_BINARY, Value

GUIDE = REPO_ROOT / "docs" / "migrating.md"
CLEAN_HOST = REPO_ROOT / "tests" / "fixtures" / "hosts" / "clean-host.reg"
CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
# The options the stock modules document (ansible.windows 3.3.0, cited in docs/migrating.md).
STOCK_OPTIONS = {
    "ansible.windows.win_http_proxy": {"proxy", "bypass", "source"},
    "ansible.windows.win_inet_proxy": {"auto_config_url", "auto_detect", "bypass", "connection", "proxy"},
    "ansible.windows.win_regedit": {"path", "name", "data", "type"},
}
DIRECT: dict[str, t.Any] = {"proxy": None, "bypass": [], "auto_config_url": None, "auto_detect": False}
NAMED: dict[str, t.Any] = {"access_type": "named_proxy", "value_present": True, "header": "0x18"}
PER_SCHEME = "http=proxy.corp.example:8080;https=proxy.corp.example:8443"
PAC = "http://proxy.corp.example/proxy.pac"


def flat(**values: t.Any) -> dict[str, t.Any]:
    """The flat WinINET values wininet_proxy reports; None for a missing value."""
    return {name: values.get(name) for name in ("ProxyEnable", "ProxyServer", "ProxyOverride", "AutoConfigURL")}


# Per scenario, in the guide's order: whether the first run changes the clean host, and what the
# 64-bit view holds afterwards as the module reports it.
EXPECTED: list[tuple[bool, dict[str, t.Any]]] = [
    (True, {**NAMED, "proxy": "proxy.corp.example", "bypass": []}),
    (True, {**NAMED, "proxy": "proxy.corp.example:8080", "bypass": ["server1", "server2", "<local>"]}),
    (True, {**NAMED, "proxy": PER_SCHEME, "bypass": []}),
    (True, {**NAMED, "proxy": PER_SCHEME, "bypass": []}),
    # clean-host has no WinHttpSettings, which already is direct access.
    (False, {"access_type": "direct", "proxy": None, "bypass": [], "value_present": False, "header": None}),
    (False, {"access_type": "direct", "proxy": None, "bypass": [], "value_present": False, "header": None}),
    # A missing ProxyEnable is 0 to Windows, so it is not written where no proxy is set.
    (True, {**DIRECT, "auto_detect": True, "flat": flat()}),
    (True, {**DIRECT, "auto_config_url": PAC, "auto_detect": True, "flat": flat(AutoConfigURL=PAC)}),
    (True, {**DIRECT, "proxy": PER_SCHEME, "flat": flat(ProxyEnable=1, ProxyServer=PER_SCHEME)}),
    (
        True,
        {
            **DIRECT,
            "proxy": "http://proxy.corp.example:8080",
            "bypass": ["server1", "<local>"],
            "flat": flat(ProxyEnable=1, ProxyServer="http://proxy.corp.example:8080", ProxyOverride="server1;<local>"),
        },
    ),
    # clean-host is direct already and has no ProxyEnable, which Windows reads as 0.
    (False, {**DIRECT, "flat": flat()}),
]


def scenarios() -> list[tuple[list[dict[str, t.Any]], list[dict[str, t.Any]]]]:
    """(before tasks, after tasks) for every pair of YAML blocks in the guide."""
    blocks = [yaml.safe_load(text) for text in re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(), re.S)]
    pairs = []
    for before, after in zip(blocks[::2], blocks[1::2], strict=True):
        pairs.append((before, after))
    return pairs


def module_of(task: dict[str, t.Any]) -> str:
    return next(key for key in task if "." in key)


def test_every_before_task_uses_only_the_stock_modules_documented_options() -> None:
    pairs = scenarios()
    assert len(pairs) == len(EXPECTED)
    for before, after in pairs:
        for task in before:
            module = module_of(task)
            assert module in STOCK_OPTIONS, module
            assert set(task[module]) <= STOCK_OPTIONS[module], task
        assert {module_of(task) for task in after} <= {
            "proxyfleet.windows.winhttp_proxy",
            "proxyfleet.windows.wininet_proxy",
        }


@pytest.fixture
def migration_fleet(tmp_path: Path) -> t.Iterator[Fleet]:
    """One fresh clean-host copy per scenario, named mig-<index>."""
    fleet_dir = tmp_path / "fleet"
    fleet_dir.mkdir()
    names = [f"mig-{index}" for index in range(len(EXPECTED))]
    for name in names:
        shutil.copyfile(CLEAN_HOST, fleet_dir / f"{name}.reg")
    with RunningFleet(fleet_dir, tmp_path) as running:
        yield Fleet(running, tmp_path, names)


def playbook() -> str:
    plays = [
        {"name": f"Scenario {index}", "hosts": f"mig-{index}", "gather_facts": False, "tasks": after}
        for index, (_before, after) in enumerate(scenarios())
    ]
    return yaml.safe_dump(plays, sort_keys=False)


def test_every_after_task_runs_and_a_second_run_changes_nothing(migration_fleet: Fleet) -> None:
    play = playbook()
    first = migration_fleet.playbook(play)
    assert first.rc == 0, first.stdout + first.stderr
    second = migration_fleet.playbook(play)
    assert second.rc == 0, second.stdout + second.stderr
    for index, (_before, after) in enumerate(scenarios()):
        host = f"mig-{index}"
        changed, view64 = EXPECTED[index]
        (task,) = after
        done = first.for_task(task["name"])[host]["result"]
        assert (done["changed"], done["after"]["64"]) == (changed, view64), (index, done)
        again = second.for_task(task["name"])[host]["result"]
        assert (again["changed"], again["drift"], again["host_commands"]) == (False, [], 1), (index, again)


def test_the_winhttp_scenarios_leave_the_bytes_netsh_would(migration_fleet: Fleet) -> None:
    run = migration_fleet.playbook(playbook(), limit="mig-0,mig-3")
    assert run.rc == 0, run.stdout + run.stderr
    for host, proxy in (("mig-0", "proxy.corp.example"), ("mig-3", PER_SCHEME)):
        for view in (64, 32):
            value = migration_fleet.registry(host).get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=view)
            assert value == Value(REG_BINARY, winhttp_blob(proxy, "")), (host, view)
