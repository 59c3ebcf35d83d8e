"""The roles' argument specs decide: a missing required variable is named before any host command."""

from __future__ import annotations

import pytest

HOST = "clean-host"


@pytest.mark.parametrize(
    ("role", "variable"),
    [("delivery_optimization", "delivery_optimization_proxy"), ("defender_endpoint", "defender_endpoint_proxy")],
)
def test_a_missing_required_variable_is_named(fixture_fleet, role: str, variable: str) -> None:
    run = fixture_fleet.playbook(
        f"""
- name: Role without its required variable
  hosts: {HOST}
  gather_facts: false
  roles:
    - role: proxyfleet.windows.{role}
"""
    )
    assert run.rc == 2
    [entry] = run.results  # the role's argument validation, its first task
    assert entry["task"].startswith(f"proxyfleet.windows.{role} : Validating arguments against arg spec 'main'")
    assert entry["result"]["msg"] == f"Validation of arguments failed:\nmissing required arguments: {variable}"
    assert fixture_fleet.running.commands() == []
