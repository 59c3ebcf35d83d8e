"""Bad input fails the task with the message alone, on every supported ansible-core, before any host command."""

from __future__ import annotations

import pytest

CASES = [
    (
        "proxyfleet.windows.winhttp_proxy",
        "proxyy: x",
        "Unsupported parameters for (proxyfleet.windows.winhttp_proxy) module: proxyy. Supported parameters include: "
        "bypass, override_gpo, override_owner, proxy, source, state, views.",
    ),
    (
        "proxyfleet.windows.telemetry_proxy",
        "proxy: http://x:1",
        "proxy: 'http://x:1' is not a valid proxy; expected host:port (a host name, an IPv4 address or a bracketed "
        "IPv6 address such as [fd00::1], then a port 1-65535), e.g. proxy.corp.example:8080 without a scheme",
    ),
    (
        "proxyfleet.windows.proxy_baseline",
        "defender: {pac_url: ''}",
        "defender.pac_url: '' is not a valid URL; expected an http:// or https:// URL such as "
        "http://proxy.corp.example/proxy.pac",
    ),
    (
        "proxyfleet.windows.restart_service",
        "name: ['Do*']",
        "proxyfleet.windows.restart_service: name must list service names (1 to 256 characters without '/', '\\', "
        "control characters or spaces at either end, no wildcards), got ['Do*']",
    ),
    (
        "proxyfleet.windows.proxy_facts",
        "profile: laptop",
        "value of profile must be one of: standard, offline, got: laptop",
    ),
]


@pytest.mark.parametrize(("module", "args", "message"), CASES, ids=[case[0].rsplit(".", 1)[1] for case in CASES])
def test_bad_input_is_a_clean_failure(basic_fleet, module: str, args: str, message: str) -> None:
    run = basic_fleet.playbook(
        f"""
- name: Bad input
  hosts: windows
  gather_facts: false
  tasks:
    - name: Bad input
      {module}:
        {args}
""",
        limit="ws-001",
    )
    assert run.rc == 2
    assert run.for_task("Bad input")["ws-001"]["result"]["msg"] == message
    # ansible-core 2.16 prints this (and the exception type) when the result carries a traceback.
    assert "An exception occurred" not in run.stdout
    assert basic_fleet.running.commands() == []
