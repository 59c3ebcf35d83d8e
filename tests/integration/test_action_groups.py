"""module_defaults by action group end to end, and the task keywords the action plugins refuse.

meta/runtime.yml groups modules by the options they share: a default set for a group must reach every
member (shown by what each member wrote) and must not break modules outside it (the roles run
proxy_facts and restart_service next to the surface modules).
"""

from __future__ import annotations

from tests.winsim.regfile import Value

HOST = "srv2019-compliant"
GPO_HOST = "win11-gpo-telemetry"
DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
DEFENDER = r"SOFTWARE\Policies\Microsoft\Windows Defender"
DELIVERY_OPTIMIZATION = r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization"
INTERNET_SETTINGS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings"
CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
DIRECT_WINHTTP = bytes.fromhex("1800000000000000010000000000000000000000")
SURFACE_TASKS = {
    "WinHTTP": "proxyfleet.windows.winhttp_proxy",
    "WinINET": "proxyfleet.windows.wininet_proxy",
    "Telemetry": "proxyfleet.windows.telemetry_proxy",
    "Defender": "proxyfleet.windows.defender_proxy",
    "Delivery Optimization": "proxyfleet.windows.delivery_optimization_policy",
}


def _tasks(names: dict[str, str]) -> str:
    return "".join(f"\n    - name: {name}\n      {module}:\n" for name, module in names.items())


def test_surfaces_defaults_reach_every_member_and_spare_the_others(fixture_fleet) -> None:
    play = f"""
- name: Remove every surface through the group default
  hosts: {HOST}
  gather_facts: false
  module_defaults:
    group/proxyfleet.windows.surfaces:
      state: absent
      override_gpo: true
  tasks:{_tasks(SURFACE_TASKS)}
    - name: Facts, outside the group
      proxyfleet.windows.proxy_facts:
        users: false
"""
    run = fixture_fleet.playbook(play)
    assert run.rc == 0, run.stdout + run.stderr
    for task in SURFACE_TASKS:
        result = run.for_task(task)[HOST]["result"]
        assert (task, result.get("failed", False), result["changed"]) == (task, False, True)
    assert run.for_task("Facts, outside the group")[HOST]["result"]["changed"] is False
    registry = fixture_fleet.registry(HOST)
    assert registry.get_value("HKLM", DATA_COLLECTION, "TelemetryProxyServer") is None
    assert registry.get_value("HKLM", DEFENDER, "ProxyServer") is None
    assert registry.get_value("HKLM", DELIVERY_OPTIMIZATION, "DODownloadMode") is None
    # WinHTTP state=absent is "netsh winhttp reset proxy": the header kept, flags 0x01 (direct), no strings.
    for view in (64, 32):
        assert registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=view) == Value(3, DIRECT_WINHTTP)


def test_surfaces_override_gpo_default_is_the_guard_option(fixture_fleet) -> None:
    play = f"""
- name: Override Group Policy through the group default
  hosts: {GPO_HOST}
  gather_facts: false
  module_defaults:
    group/proxyfleet.windows.surfaces:
      override_gpo: true
  tasks:
    - name: Telemetry
      proxyfleet.windows.telemetry_proxy:
        proxy: proxy.corp.example:8080
"""
    run = fixture_fleet.playbook(play)
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task("Telemetry")[GPO_HOST]["result"]
    assert (result["changed"], result["host_commands"]) == (True, 2)
    assert fixture_fleet.registry(GPO_HOST).get_value("HKLM", DATA_COLLECTION, "TelemetryProxyServer") == (
        Value.string("proxy.corp.example:8080")
    )


def test_system_proxy_defaults_give_both_modules_proxy_bypass_and_views(fixture_fleet) -> None:
    host = "clean-host"
    play = f"""
- name: One proxy for WinHTTP and WinINET, 64-bit view only
  hosts: {host}
  gather_facts: false
  module_defaults:
    group/proxyfleet.windows.system_proxy:
      proxy: proxy.corp.example:8080
      bypass: ["<local>"]
      views: [64]
  tasks:{_tasks({"WinHTTP": "proxyfleet.windows.winhttp_proxy", "WinINET": "proxyfleet.windows.wininet_proxy"})}
"""
    run = fixture_fleet.playbook(play)
    assert run.rc == 0, run.stdout + run.stderr
    for task in ("WinHTTP", "WinINET"):
        result = run.for_task(task)[host]["result"]
        assert (task, result["changed"]) == (task, True)
    registry = fixture_fleet.registry(host)
    winhttp = registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings")
    assert winhttp is not None and b"proxy.corp.example:8080" in winhttp.raw
    assert registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=32) is None
    assert registry.get_value("HKLM", INTERNET_SETTINGS, "ProxyServer") == Value.string("proxy.corp.example:8080")


def test_become_fails_clearly_before_any_host_command(fixture_fleet) -> None:
    play = f"""
- name: Become is refused
  hosts: {HOST}
  gather_facts: false
  become: true
  become_method: ansible.builtin.runas
  become_user: SYSTEM
  tasks:
    - name: WinHTTP
      proxyfleet.windows.winhttp_proxy:
        proxy: proxy.corp.example:8080
"""
    run = fixture_fleet.playbook(play)
    assert run.rc == 2
    result = run.for_task("WinHTTP")[HOST]["result"]
    assert result["msg"] == (
        "proxyfleet.windows.winhttp_proxy does not support become: it runs as the connection user, who must be a"
        " local administrator; remove become (and become_user, become_method) from this task or its play"
    )
    assert fixture_fleet.running.commands() == []


def test_async_fails_clearly_before_any_host_command(fixture_fleet) -> None:
    play = f"""
- name: Async is refused
  hosts: {HOST}
  gather_facts: false
  tasks:
    - name: Facts
      proxyfleet.windows.proxy_facts:
      async: 60
      poll: 5
"""
    run = fixture_fleet.playbook(play)
    assert run.rc == 2
    result = run.for_task("Facts")[HOST]["result"]
    assert result["msg"] == (
        "proxyfleet.windows.proxy_facts does not support async: it takes one or two short host commands;"
        " remove async and poll from this task"
    )
    assert fixture_fleet.running.commands() == []
