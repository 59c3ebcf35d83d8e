"""Hosts whose proxy values are real machines' (tests/fixtures/real-hosts, from real_world_blobs.json).

A real host's own configuration, declared as the desired state in the stock modules' terms, checks as
compliant in one command and is never written. The same declarations run end to end over WinRM in
tests/integration/test_real_hosts.py.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from tests.fixtures import make_hosts
from tests.inprocess import InProcessHost
from tests.winsim.registry import Registry

REAL_HOSTS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "real-hosts"
DECLARED = make_hosts.REAL_HOSTS_OWN_CONFIGURATION


def host(name: str) -> InProcessHost:
    return InProcessHost(Registry.load(REAL_HOSTS_DIR / f"{name}.reg"), name)


def test_the_real_hosts_are_generated_by_make_hosts() -> None:
    assert sorted(path.stem for path in REAL_HOSTS_DIR.glob("*.reg")) == sorted(make_hosts.REAL_HOSTS)
    assert sorted(DECLARED) == sorted(make_hosts.REAL_HOSTS)
    for name in make_hosts.REAL_HOSTS:
        assert (REAL_HOSTS_DIR / f"{name}.reg").read_bytes() == make_hosts.render(name), (
            f"{name}.reg differs from make_hosts: run python -m tests.fixtures.make_hosts"
        )


def test_the_real_hosts_hold_the_published_bytes() -> None:
    carnival = Registry.load(REAL_HOSTS_DIR / "real-carnival-manual.reg")
    value = carnival.get_value("HKLM", make_hosts.CONNECTIONS, "DefaultConnectionSettings")
    assert value is not None and value.raw == make_hosts.real_blob(38, "Carnival")
    reset = Registry.load(REAL_HOSTS_DIR / "real-netsh-reset-19.reg")
    value = reset.get_value("HKLM", make_hosts.CONNECTIONS, "WinHttpSettings")
    assert value is not None and len(value.raw) == 19


@pytest.mark.parametrize(
    ("name", "module", "args"),
    [(name, module, args) for name, tasks in DECLARED.items() for module, args in tasks],
    ids=[f"{name}-{module}" for name, tasks in DECLARED.items() for module, _options in tasks],
)
def test_a_real_hosts_own_configuration_checks_compliant_and_is_never_written(
    name: str, module: str, args: dict[str, t.Any]
) -> None:
    target = host(name)
    before = target.registry_text()
    checked = target.run(module, args, check_mode=True)
    assert checked.error is None and checked.result is not None
    assert (checked.result["changed"], checked.result["drift"], checked.result["host_commands"]) == (False, [], 1)
    assert checked.result.get("warnings", []) == []
    applied = target.run(module, args)
    assert applied.result is not None
    assert (applied.result["changed"], applied.result["backup_id"], applied.result["host_commands"]) == (
        False,
        None,
        1,
    )
    assert target.registry_text() == before
