"""The ansible-test windows-integration targets (tests/integration/targets/) against the simulated fleet.

ansible-test runs each target as a role against a real Windows host; here the same roles run against
simulated hosts in every `make integration`, so the targets keep working between lab runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.winsim.registry import Registry

TARGETS = Path(__file__).resolve().parent / "targets"
HOSTS = ["clean-host", "srv2022-stale-netsh", "win11-gpo-telemetry"]
# The last assertion of each target: every host must reach it.
FINAL_ASSERTS = ("Restored exactly", "The same picture, still one host command")


def without_own_tree(registry: Registry) -> tuple[object, ...]:
    """The registry without HKLM\\SOFTWARE\\proxyfleet (the on-host backups a write leaves)."""
    registry.delete_key("HKLM", r"SOFTWARE\proxyfleet")
    return registry.canonical()


def test_every_target_is_run_here() -> None:
    assert sorted(path.name for path in TARGETS.iterdir()) == ["proxy_facts", "winhttp_proxy"]


@pytest.mark.parametrize("target", ["proxy_facts", "winhttp_proxy"])
def test_target_passes_and_leaves_the_hosts_as_they_were(fixture_fleet, target: str) -> None:
    before = {host: without_own_tree(fixture_fleet.registry(host)) for host in HOSTS}
    run = fixture_fleet.playbook(
        f"""
- name: ansible-test target {target}
  hosts: {",".join(HOSTS)}
  gather_facts: false
  roles:
    - role: {TARGETS / target}
"""
    )
    assert run.rc == 0, run.stdout + run.stderr
    asserts = [entry for entry in run.results if entry["task"].endswith(FINAL_ASSERTS)]
    assert {entry["host"] for entry in asserts} == set(HOSTS)
    assert all(entry["status"] == "ok" for entry in asserts), asserts
    for host in HOSTS:
        assert without_own_tree(fixture_fleet.registry(host)) == before[host], host
