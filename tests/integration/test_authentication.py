"""Who authenticates to the proxy (issue 15), end to end: real ansible-playbook over WinRM.

proxy_facts, proxy_baseline's facts and the roles on the realistic fixture hosts with ``authenticating_proxies``;
proxy_endpoint_check on ``ws-authproxy`` (tests/endpoint_fleet.py), whose one proxy answers 407 to everything.
"""

from __future__ import annotations

import collections
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.endpoint_fleet import AUTH_HOSTS, AUTH_PROXY, AUTHENTICATING, write_endpoint_fleet
from tests.integration.conftest import Fleet
from tests.simfleet import RunningFleet

PROXY = "proxy.corp.example:8080"
OLD_PROXY = "oldproxy.corp.example:3128"
LOCAL_SYSTEM = "NT AUTHORITY\\SYSTEM (LocalSystem)"
NETWORK_SERVICE = "NT AUTHORITY\\NETWORK SERVICE (the computer account on the network)"
REFUSED = "its requests through that proxy are refused with 407 (proxy authentication required)"
LOCAL_SYSTEM_WHY = "a LocalSystem service that gives a proxy no user credentials"
NETSH_WHY = "the netsh WinHTTP proxy offers no authentication to the proxy"
FORM = "host:port, or a bare host name for every port of that host, e.g. proxy.corp.example:8080 or proxy.corp.example"


def commands_per_host(fleet: Fleet, since: int = 0) -> dict[str, int]:
    return dict(collections.Counter(str(entry["host"]) for entry in fleet.running.commands()[since:]))


def play(task: str, name: str = "Check") -> str:
    return f"""
- name: Who authenticates
  hosts: windows
  gather_facts: false
  tasks:
    - name: {name}
{task}
"""


def au001(result: dict[str, t.Any]) -> list[tuple[str, str]]:
    return [
        (item["evidence"]["consumer"], item["evidence"]["proxy"])
        for item in result["findings"]
        if item["id"] == "AU001"
    ]


FACTS = play(f"""      proxyfleet.windows.proxy_facts:
        authenticating_proxies: ["{PROXY}", oldproxy.corp.example]
""")


def test_proxy_facts_says_who_authenticates_and_finds_au001_in_one_command(fixture_fleet: Fleet) -> None:
    run = fixture_fleet.playbook(FACTS)
    assert run.rc == 0, run.stdout + run.stderr
    results = {host: entry["result"] for host, entry in run.for_task("Check").items()}
    assert {host: result["host_commands"] for host, result in results.items()} == {
        name: 1 for name in fixture_fleet.names
    }
    assert commands_per_host(fixture_fleet) == {name: 1 for name in fixture_fleet.names}

    # srv2019-compliant: every surface on the baseline proxy, netsh included. Only the signed-in user (its token)
    # can authenticate; NetworkService is on netsh, the LocalSystem consumers give no credentials.
    compliant = results["srv2019-compliant"]
    assert au001(compliant) == [
        ("delivery_optimization.network_service", PROXY),
        ("mde_sensor", PROXY),
        ("endpoint_dlp", PROXY),
        ("defender_av", PROXY),
    ]
    facts = compliant["ansible_facts"]["windows_proxy"]
    auth = facts["authentication"]
    assert {
        name: (entry["account"], entry["can_authenticate"], entry["proxy"], entry["proxy_requires_authentication"])
        for name, entry in {
            "interactive": auth["delivery_optimization"]["interactive"],
            "network_service": auth["delivery_optimization"]["network_service"],
            "mde_sensor": auth["mde_sensor"],
            "endpoint_dlp": auth["endpoint_dlp"],
            "defender_av": auth["defender_av"],
            "configmgr_site_system": auth["configmgr_site_system"],
        }.items()
    } == {
        "interactive": ("the signed-in user", True, PROXY, True),
        "network_service": (NETWORK_SERVICE, False, PROXY, True),
        "mde_sensor": (LOCAL_SYSTEM, False, PROXY, True),
        "endpoint_dlp": (LOCAL_SYSTEM, False, PROXY, True),
        "defender_av": (LOCAL_SYSTEM, False, PROXY, True),
        "configmgr_site_system": (
            "the site system's computer account, or the site system proxy server account when one is set",
            None,
            None,
            None,
        ),
    }
    [network_service] = [
        item
        for item in compliant["findings"]
        if item["evidence"].get("consumer") == "delivery_optimization.network_service"
    ]
    assert network_service["message"] == (
        f"Delivery Optimization with no user signed in (NetworkService) is routed to proxy {PROXY} (winhttp.64), "
        f"listed in authenticating_proxies, and cannot authenticate to it: it connects as {NETWORK_SERVICE}, "
        f"{NETSH_WHY}; {REFUSED}"
    )
    assert facts["findings"] == compliant["findings"]

    # srv2022-stale-netsh: NetworkService and the sensor (no telemetry proxy) are on the stale netsh proxy, listed by
    # its bare host; Defender Antivirus falls back to the device-wide WinINET proxy, listed by host:port.
    assert au001(results["srv2022-stale-netsh"]) == [
        ("delivery_optimization.network_service", OLD_PROXY),
        ("mde_sensor", OLD_PROXY),
        ("endpoint_dlp", OLD_PROXY),
        ("defender_av", PROXY),
    ]
    # Hosts whose consumers go direct, or to proxies not listed (10.0.0.6, 10.0.0.9), have no AU001.
    for name in ("clean-host", "win11-peruser", "win11-mde-half", "win11-gpo-telemetry"):
        assert au001(results[name]) == [], name


BASELINE = play(f"""      proxyfleet.windows.proxy_baseline:
        telemetry:
          proxy: {PROXY}
        facts: true
        facts_users: false
        authenticating_proxies: [proxy.corp.example]
""")


def test_proxy_baseline_facts_carry_authentication_and_au001(fixture_fleet: Fleet) -> None:
    run = fixture_fleet.playbook(BASELINE, "--check", limit="srv2019-compliant")
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task("Check")["srv2019-compliant"]["result"]
    assert (result["changed"], result["host_commands"]) == (False, 1)
    assert au001(result) == [
        ("delivery_optimization.network_service", PROXY),
        ("mde_sensor", PROXY),
        ("endpoint_dlp", PROXY),
        ("defender_av", PROXY),
    ]
    sensor = result["ansible_facts"]["windows_proxy"]["authentication"]["mde_sensor"]
    assert (sensor["can_authenticate"], sensor["proxy_requires_authentication"], sensor["source"]) == (
        False,
        True,
        "[MDEPX]",
    )
    assert commands_per_host(fixture_fleet) == {"srv2019-compliant": 1}


ROLES = f"""
- name: Delivery Optimization
  hosts: windows
  gather_facts: false
  roles:
    - role: proxyfleet.windows.delivery_optimization
      vars:
        delivery_optimization_proxy: {PROXY}
        # The host's own baseline exactly, so the check finds no drift and holds the host to its findings.
        delivery_optimization_bypass: ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]
        delivery_optimization_service_bypass: []
        delivery_optimization_winhttp: mirror
        delivery_optimization_authenticating_proxies: ["{PROXY}"]

- name: Defender for Endpoint
  hosts: windows
  gather_facts: false
  roles:
    - role: proxyfleet.windows.defender_endpoint
      vars:
        defender_endpoint_proxy: {PROXY}
        defender_endpoint_authenticating_proxies: [proxy.corp.example]
"""
DO_TASK = "proxyfleet.windows.delivery_optimization : Delivery Optimization proxy baseline"
MDE_TASK = "proxyfleet.windows.defender_endpoint : Defender for Endpoint proxy baseline"


def test_the_roles_fail_a_host_whose_consumers_cannot_authenticate_to_their_proxy(fixture_fleet: Fleet) -> None:
    run = fixture_fleet.playbook(ROLES, "--check", limit="srv2019-compliant")
    assert run.rc == 2, run.stdout + run.stderr
    # Each role's check is still one host command, and its one task fails the host on AU001.
    assert run.for_task(DO_TASK)["srv2019-compliant"]["result"]["host_commands"] == 1
    message = run.for_task(DO_TASK)["srv2019-compliant"]["result"]["msg"]
    assert (
        f"AU001 Delivery Optimization with no user signed in (NetworkService) is routed to proxy {PROXY} (winhttp.64), "
        f"listed in authenticating_proxies, and cannot authenticate to it: it connects as {NETWORK_SERVICE}, "
        f"{NETSH_WHY}; {REFUSED}"
    ) in message
    # The play stops for a failed host: run the Defender role on its own.
    mde_only = ROLES[ROLES.index("- name: Defender for Endpoint") :]
    run = fixture_fleet.playbook(mde_only, "--check", limit="srv2019-compliant")
    assert run.rc == 2, run.stdout + run.stderr
    assert run.for_task(MDE_TASK)["srv2019-compliant"]["result"]["host_commands"] == 1
    message = run.for_task(MDE_TASK)["srv2019-compliant"]["result"]["msg"]
    for title, why in (
        ("The Defender for Endpoint sensor", LOCAL_SYSTEM_WHY),
        ("Endpoint DLP", LOCAL_SYSTEM_WHY),
        ("Defender Antivirus", "a LocalSystem service whose proxy settings take no credentials"),
    ):
        assert f"AU001 {title} is routed to proxy {PROXY}" in message
        assert f"it connects as {LOCAL_SYSTEM}, {why}; {REFUSED}" in message
    assert commands_per_host(fixture_fleet) == {"srv2019-compliant": 2}


@pytest.fixture
def auth_fleet(tmp_path: Path) -> Iterator[Fleet]:
    fleet_dir = tmp_path / "fleet"
    names = write_endpoint_fleet(fleet_dir, AUTH_HOSTS)
    with RunningFleet(fleet_dir, tmp_path) as running:
        yield Fleet(running, tmp_path, names)


ENDPOINTS = play("""      proxyfleet.windows.proxy_endpoint_check:
        urls:
          - "https://geo.prod.do.dsp.mp.microsoft.com/"
          - "https://winatp-gw-cus.microsoft.com/"
          - {url: "https://eu.dlp.example/", service: endpoint_dlp}
""")


def test_a_407_on_a_route_is_explained_per_consumer(auth_fleet: Fleet) -> None:
    run = auth_fleet.playbook(ENDPOINTS)
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task("Check")[AUTHENTICATING]["result"]
    assert result["host_commands"] == 1 and commands_per_host(auth_fleet) == {AUTHENTICATING: 1}
    by_route = {(item["url"], tuple(item["consumers"])): item for item in result["endpoints"]}
    geo = "https://geo.prod.do.dsp.mp.microsoft.com/"

    interactive = by_route[(geo, ("delivery_optimization.interactive",))]
    assert (interactive["reason"], interactive["proxy_status"]) == ("proxy_authentication_required", 407)
    assert interactive["explanation"] == (
        "Delivery Optimization with a user signed in authenticates as the signed-in user ([DOPX]); this probe sends "
        f"no credentials, so the 407 shows only that proxy {AUTH_PROXY} requires them: it must accept the signed-in "
        "user."
    )
    assert [(item["consumer"], item["can_authenticate"]) for item in interactive["authentication"]] == [
        ("delivery_optimization.interactive", True)
    ]

    network_service = by_route[(geo, ("delivery_optimization.network_service",))]
    assert network_service["explanation"] == (
        f"Delivery Optimization with no user signed in (NetworkService) connects as {NETWORK_SERVICE} and cannot "
        f"authenticate to proxy {AUTH_PROXY}: {NETSH_WHY} (finding AU001). Fix: on proxy {AUTH_PROXY}: let these "
        "requests through without authentication (exempt the endpoints of Delivery Optimization, or allow the "
        "computer account); or reset netsh (proxyfleet.windows.winhttp_proxy state: absent) so downloads with no "
        "user signed in use the device-wide WinINET proxy (proxyfleet.windows.wininet_proxy per_machine: true), "
        "where NetworkService authenticates as the computer account [DOPX]; or use a proxy that admits it."
    )

    sensor = by_route[("https://winatp-gw-cus.microsoft.com/", ("mde_sensor",))]
    assert sensor["explanation"].startswith(
        f"The Defender for Endpoint sensor connects as {LOCAL_SYSTEM} and cannot authenticate to proxy {AUTH_PROXY}: "
        f"{LOCAL_SYSTEM_WHY} (finding AU001). Fix: on proxy {AUTH_PROXY}: let these requests through without "
        "authentication (exempt the endpoints of Defender for Endpoint,"
    )
    # An Endpoint DLP URL takes the sensor's route, and is explained as Endpoint DLP's.
    dlp = by_route[("https://eu.dlp.example/", ("mde_sensor",))]
    assert [(item["consumer"], item["account"], item["can_authenticate"]) for item in dlp["authentication"]] == [
        ("endpoint_dlp", LOCAL_SYSTEM, False)
    ]
    assert dlp["explanation"].startswith(f"Endpoint DLP connects as {LOCAL_SYSTEM} and cannot authenticate")

    # The 407 is the proof: AU001 for every consumer on that proxy that cannot authenticate, without any list.
    assert au001(result) == [
        ("delivery_optimization.network_service", AUTH_PROXY),
        ("mde_sensor", AUTH_PROXY),
        ("endpoint_dlp", AUTH_PROXY),
        ("defender_av", AUTH_PROXY),
    ]
    first = next(item for item in result["findings"] if item["id"] == "AU001")
    assert first["message"] == (
        f"Delivery Optimization with no user signed in (NetworkService) is routed to proxy {AUTH_PROXY} (winhttp.64), "
        f"which answered 407 (proxy authentication required) for {geo}, and cannot authenticate to it: it connects as "
        f"{NETWORK_SERVICE}, {NETSH_WHY}; {REFUSED}"
    )
    assert first["evidence"]["observed_407"] == geo
    assert result["authentication"]["mde_sensor"]["proxy"] == AUTH_PROXY


BAD = [
    ("proxyfleet.windows.proxy_facts", "authenticating_proxies: ['http://proxy:8080']"),
    ("proxyfleet.windows.proxy_endpoint_check", "authenticating_proxies: [proxy.corp.example, 'bad host']"),
    (
        "proxyfleet.windows.proxy_baseline",
        "telemetry: {proxy: 'p:1'}\n        facts: true\n        authenticating_proxies: ['p:0']",
    ),
]
BAD_MESSAGES = [
    f"authenticating_proxies[0]: 'http://proxy:8080' is not a proxy; expected {FORM}",
    f"authenticating_proxies[1]: 'bad host' is not a proxy; expected {FORM}",
    f"authenticating_proxies[0]: 'p:0' is not a proxy; expected {FORM}",
]


def test_bad_authenticating_proxies_fail_before_any_host_command(auth_fleet: Fleet) -> None:
    tasks = "".join(
        f"""    - name: Case {index}
      {module}:
        {arguments}
      ignore_errors: true
"""
        for index, (module, arguments) in enumerate(BAD)
    )
    run = auth_fleet.playbook(f"""
- name: Cases
  hosts: windows
  gather_facts: false
  tasks:
{tasks}""")
    for index, message in enumerate(BAD_MESSAGES):
        result = run.for_task(f"Case {index}")[AUTHENTICATING]
        assert (result["status"], result["result"]["msg"]) == ("failed", message)
    assert auth_fleet.running.commands() == []
