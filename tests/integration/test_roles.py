"""The delivery_optimization and defender_endpoint roles end to end on the realistic fixture hosts."""

from __future__ import annotations

import typing as t

from tests.winsim.regfile import Value

PROXY = "proxy.corp.example:8080"

DO_PLAY = f"""
- name: Delivery Optimization
  hosts: windows
  gather_facts: false
  roles:
    - role: proxyfleet.windows.delivery_optimization
      vars:
        delivery_optimization_proxy: {PROXY}
        delivery_optimization_bypass: ["<local>", "*.corp.example"]
"""

MDE_PLAY = f"""
- name: Defender for Endpoint
  hosts: windows
  gather_facts: false
  roles:
    - role: proxyfleet.windows.defender_endpoint
      vars:
        defender_endpoint_proxy: {PROXY}
        defender_endpoint_profile: offline
        defender_endpoint_winhttp: mirror
"""

DO_TASK = "proxyfleet.windows.delivery_optimization : Delivery Optimization proxy baseline"
DO_VALIDATION = (
    "proxyfleet.windows.delivery_optimization : Validating arguments against arg spec 'main' - Delivery "
    "Optimization behind a proxy, both for signed-in users and NetworkService"
)
DO_HANDLER = "proxyfleet.windows.delivery_optimization : Restart Delivery Optimization"
MDE_TASK = "proxyfleet.windows.defender_endpoint : Defender for Endpoint proxy baseline"


def commands_per_host(fleet: t.Any, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in fleet.running.commands()[since:]:
        counts[str(entry["host"])] = counts.get(str(entry["host"]), 0) + 1
    return counts


WINHTTP_DIRECT = b"\x01\x00\x00\x00" + b"\x00" * 8  # WinHttpSettings after the header: direct, no lists
CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"


def test_delivery_optimization_converges_and_then_changes_nothing(fixture_fleet) -> None:
    first = fixture_fleet.playbook(DO_PLAY)
    assert first.rc == 2, first.stdout + first.stderr
    baseline = first.for_task(DO_TASK)
    drifted = {host for host, entry in baseline.items() if entry["result"]["changed"]}
    # The default is a netsh reset ([DOPX] advises against netsh: it cannot authenticate to the proxy), so the
    # hosts whose netsh holds the proxy drift too, srv2019-compliant and win10-do-group included.
    assert drifted == set(fixture_fleet.names)
    # The baseline task holds the facts it returns to the request (role: delivery_optimization) and fails the host
    # that is not as asked, saying why; the role has no other task.
    assert {host for host, entry in baseline.items() if entry["status"] == "failed"} == {"win10-do-group"}
    assert {entry["task"] for entry in first.results} == {DO_VALIDATION, DO_TASK, DO_HANDLER}
    # The group-mode host keeps a finding the role was not asked to fix: it fails, naming it. Both contexts now
    # use the device-wide WinINET proxy ([DOPX]'s recommended row), and DO006 is gone.
    assert baseline["win10-do-group"]["result"]["msg"] == (
        "Delivery Optimization is not as asked (proxy proxy.corp.example:8080 for a signed-in user and for "
        "NetworkService, no DO finding). Signed-in user: proxy.corp.example:8080 ([DOPX] 'Which proxy Delivery "
        "Optimization uses', row 'WinINET device-wide only', interactive user signed in: the device-wide WinINET "
        "proxy). NetworkService: proxy.corp.example:8080 ([DOPX] 'Which proxy Delivery Optimization uses', row "
        "'WinINET device-wide only', no user signed in (NetworkService): the device-wide WinINET proxy). Findings: "
        "DO004 DODownloadMode is 2 (Group) without DOGroupId or DOGroupIdSource: peers are grouped by AD site or "
        "domain by default, which may not be the group you mean"
    )
    for host in ("srv2019-compliant", "srv2022-stale-netsh", "win10-do-group"):
        for view in (64, 32):
            blob = fixture_fleet.registry(host).get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=view)
            assert blob is not None and blob.raw[8:] == WINHTTP_DIRECT, (host, view)
    restarted = first.for_task(DO_HANDLER)
    # Handlers do not run on a host that failed (win10-do-group, for its DO004).
    assert {host for host, entry in restarted.items() if entry["result"]["changed"]} == drifted - {"win10-do-group"}
    # Host commands: drifted = baseline read + write (the facts come from them), DoSvc restart.
    counts = commands_per_host(fixture_fleet, 0)
    assert (counts["clean-host"], counts["srv2019-compliant"], counts["win10-do-group"]) == (3, 3, 2)
    assert all(entry["result"]["services"][0]["name"] == "DoSvc" for entry in restarted.values())

    grouped = fixture_fleet.playbook(
        DO_PLAY.replace(
            "        delivery_optimization_bypass:",
            "        delivery_optimization_download_mode: group\n"
            "        delivery_optimization_group_id_source: ad_site\n"
            "        delivery_optimization_bypass:",
        ),
        limit="win10-do-group",
    )
    assert grouped.rc == 0, grouped.stdout + grouped.stderr
    assert grouped.for_task(DO_TASK)["win10-do-group"]["result"]["changed"] is True
    assert grouped.for_task(DO_HANDLER)["win10-do-group"]["result"]["services"][0]["restarted"] is True

    seen = len(fixture_fleet.running.commands())
    second = fixture_fleet.playbook(DO_PLAY, limit="all:!win10-do-group")
    assert second.rc == 0, second.stdout + second.stderr
    assert not [host for host, entry in second.for_task(DO_TASK).items() if entry["result"]["changed"]]
    assert second.for_task(DO_HANDLER) == {}
    # Steady state: one task and one host command per host, the baseline's read (its facts included).
    assert commands_per_host(fixture_fleet, seen) == {
        host: 1 for host in fixture_fleet.names if host != "win10-do-group"
    }
    assert {entry["task"] for entry in second.results} == {DO_VALIDATION, DO_TASK}


def test_delivery_optimization_mirror_is_for_anonymous_proxies(fixture_fleet) -> None:
    # mirror copies the proxy into netsh: proxy_facts reports DO006 (netsh cannot authenticate, [DOPX]), but the
    # role, told the proxy is anonymous, does not fail the host for it.
    play = DO_PLAY.replace("        delivery_optimization_bypass:", "        delivery_optimization_winhttp: mirror\n"
                           "        delivery_optimization_bypass:")  # fmt: skip
    run = fixture_fleet.playbook(play, limit="srv2019-compliant")
    assert run.rc == 0, run.stdout + run.stderr
    # The role adds *.do.dsp.mp.microsoft.com to the bypass lists; netsh keeps the proxy.
    assert run.for_task(DO_TASK)["srv2019-compliant"]["result"]["changed"] is True
    blob = fixture_fleet.registry("srv2019-compliant").get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=64)
    assert blob is not None and PROXY.encode("ascii") in blob.raw and b"*.do.dsp.mp.microsoft.com" in blob.raw
    found = run.for_task(DO_TASK)["srv2019-compliant"]["result"]["ansible_facts"]["windows_proxy"]["findings"]
    assert [item["id"] for item in found] == ["DO006"]
    assert run.for_task(DO_TASK)["srv2019-compliant"]["status"] == "changed"


def test_compliance_check_of_the_role_writes_nothing(fixture_fleet) -> None:
    converged = fixture_fleet.playbook(DO_PLAY, limit="srv2019-compliant")
    assert converged.rc == 0, converged.stdout + converged.stderr
    before = fixture_fleet.reg_bytes()
    seen = len(fixture_fleet.running.commands())
    check = fixture_fleet.playbook(DO_PLAY, "--check")
    assert fixture_fleet.reg_bytes() == before
    # Drifted hosts are reported by the baseline's drift; the facts are held to the request only where nothing
    # drifts (srv2019-compliant: it passes).
    statuses = {host: entry["status"] for host, entry in check.for_task(DO_TASK).items()}
    assert statuses == {host: "changed" for host in fixture_fleet.names} | {"srv2019-compliant": "ok"}
    assert check.rc == 0
    # The handler only queried DoSvc: it reports the restart it would do.
    restarts = check.for_task(DO_HANDLER)
    assert set(restarts) == set(fixture_fleet.names) - {"srv2019-compliant"}
    assert all(entry["result"]["services"][0]["restarted"] for entry in restarts.values())
    assert not [e for e in fixture_fleet.running.commands()[seen:] if "apply" in [op["op"] for op in e["operations"]]]


def test_defender_endpoint_fixes_every_mde_finding(fixture_fleet) -> None:
    run = fixture_fleet.playbook(MDE_PLAY)
    results = run.for_task(MDE_TASK)
    failed = {host: entry["result"]["msg"] for host, entry in results.items() if entry["status"] == "failed"}
    # Group Policy sets the telemetry proxy there: the role holds it, and fails naming the GPO. A sensor proxy that
    # differs from Defender Antivirus's and WinHTTP's is no finding: [MDEPX] "can be set independently".
    assert failed == {
        "win11-gpo-telemetry": "The Defender for Endpoint sensor would use 10.0.0.9:3128 ([MDEPX] the registry static "
        "proxy (TelemetryProxyServer) comes first; the sensor falls back to direct access when it is unreachable), "
        "asked: proxy.corp.example:8080. Findings: none. Set by Group Policy: telemetry.proxy by GPO 'Contoso MDE "
        "proxy', telemetry.disable_enterprise_auth_proxy by GPO 'Contoso MDE proxy'. Held (their owner would put them "
        "back): telemetry.proxy owned by group_policy"
    }
    # The baseline task is the role's only task: it fails the host itself, with the reason.
    assert {entry["task"] for entry in run.results} == {
        "proxyfleet.windows.defender_endpoint : Validating arguments against arg spec 'main' - The Defender for "
        "Endpoint sensor and Defender Antivirus proxies, consistent",
        MDE_TASK,
    }
    # Drifted: baseline read + write, the facts from them (no handler).
    assert commands_per_host(fixture_fleet, 0)["clean-host"] == 2
    seen = len(fixture_fleet.running.commands())
    again = fixture_fleet.playbook(MDE_PLAY, limit="all:!win11-gpo-telemetry")
    assert again.rc == 0, again.stdout + again.stderr
    assert not [host for host, entry in again.for_task(MDE_TASK).items() if entry["result"]["changed"]]
    # Steady state: one task, one host command per host.
    assert commands_per_host(fixture_fleet, seen) == {h: 1 for h in fixture_fleet.names if h != "win11-gpo-telemetry"}
    registry = fixture_fleet.registry("clean-host")
    atp = r"SOFTWARE\Policies\Microsoft\Windows Advanced Threat Protection"
    assert registry.values("HKLM", atp) == [("PreferStaticProxyForHttpRequest", Value.dword(1))]
    assert registry.get_value(
        "HKLM", r"SOFTWARE\Policies\Microsoft\Windows\DataCollection", "TelemetryProxyServer"
    ) == (Value.string(PROXY))
    # The offline profile's SSLOptions is 2, "disable revocation checks only" (certificate pinning kept), what
    # Microsoft's current Defender for Endpoint proxy page gives; 0 was the older guidance.
    assert registry.get_value("HKLM", r"SOFTWARE\Policies\Microsoft\Windows Defender\Spynet", "SSLOptions") == (
        Value.dword(2)
    )


def test_delivery_optimization_with_winhttp_direct_resets_a_stale_netsh_proxy(fixture_fleet) -> None:
    host = "srv2022-stale-netsh"
    play = DO_PLAY.replace("        delivery_optimization_bypass:", "        delivery_optimization_winhttp: direct\n"
                           "        delivery_optimization_bypass:")  # fmt: skip
    run = fixture_fleet.playbook(play, limit=host)
    assert run.rc == 0, run.stdout + run.stderr
    connections = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
    for view in (64, 32):
        blob = fixture_fleet.registry(host).get_value("HKLM", connections, "WinHttpSettings", view=view)
        assert blob is not None and blob.raw[8:] == b"\x01\x00\x00\x00" + b"\x00" * 8, view  # direct, no lists
    # NetworkService now follows the device-wide WinINET proxy (the document's "WinINET only" row).
    facts = fixture_fleet.playbook(
        "- name: Facts\n  hosts: windows\n  gather_facts: false\n  tasks:\n"
        "    - name: Facts\n      proxyfleet.windows.proxy_facts:\n",
        limit=host,
    )
    routes = facts.for_task("Facts")[host]["result"]["ansible_facts"]["windows_proxy"]["effective"]
    assert routes["delivery_optimization"]["network_service"]["proxy"] == PROXY
    assert routes["delivery_optimization"]["network_service"]["source"] == "wininet.machine"


def test_a_baseline_error_fails_the_role_naming_the_role_variable(fixture_fleet) -> None:
    # Input the role's argument spec accepts (a string) but proxy_baseline refuses: the task fails naming the role
    # variable and the option it became, and no host command runs.
    seen = len(fixture_fleet.running.commands())
    run = fixture_fleet.playbook(DO_PLAY.replace(PROXY, "proxy.corp.example:99999"), limit="clean-host")
    assert run.rc == 2
    assert run.for_task(DO_TASK)["clean-host"]["result"]["msg"] == (
        "delivery_optimization_proxy (wininet.proxy): 'proxy.corp.example:99999' is not a valid proxy; expected "
        "host:port (a host name, an IPv4 address or a bracketed IPv6 address such as [fd00::1], then a port "
        "1-65535), e.g. proxy.corp.example:8080"
    )
    assert len(fixture_fleet.running.commands()) == seen


def test_the_roles_check_runs_as_one_task_without_the_role(fixture_fleet) -> None:
    # proxy_baseline role=delivery_optimization with the role's variables as play vars: the same check, no
    # validation task of ansible-core's, one task and one host command on a compliant host.
    converged = fixture_fleet.playbook(DO_PLAY, limit="srv2019-compliant,win10-do-group")
    assert converged.rc == 2, converged.stdout + converged.stderr  # win10-do-group keeps its DO004
    play = (
        "- name: One task\n  hosts: windows\n  gather_facts: false\n  vars:\n"
        f"    delivery_optimization_proxy: {PROXY}\n"
        '    delivery_optimization_bypass: ["<local>", "*.corp.example"]\n'
        "  tasks:\n    - name: Role check\n"
        "      proxyfleet.windows.proxy_baseline:\n        role: delivery_optimization\n"
    )
    seen = len(fixture_fleet.running.commands())
    run = fixture_fleet.playbook(play, limit="srv2019-compliant,win10-do-group")
    assert {entry["task"] for entry in run.results} == {"Role check"}
    statuses = {host: entry["status"] for host, entry in run.for_task("Role check").items()}
    assert statuses == {"srv2019-compliant": "ok", "win10-do-group": "failed"}
    assert run.for_task("Role check")["win10-do-group"]["result"]["msg"] == (
        converged.for_task(DO_TASK)["win10-do-group"]["result"]["msg"]
    )
    assert commands_per_host(fixture_fleet, seen) == {"srv2019-compliant": 1, "win10-do-group": 1}


IMPORTED_DO_PLAY = f"""
- name: Delivery Optimization imported
  hosts: windows
  gather_facts: false
  vars:
    delivery_optimization_proxy: {PROXY}
    delivery_optimization_bypass: ["<local>", "*.corp.example"]
  tasks:
    - name: Delivery Optimization
      ansible.builtin.import_role:
        name: proxyfleet.windows.delivery_optimization
        rolespec_validate: false
"""


def test_the_role_imported_without_ansibles_validation_task_checks_in_one_task(fixture_fleet) -> None:
    # playbooks/compliance.yml and remediate.yml import the roles with rolespec_validate: false: no validation task of
    # ansible-core's, the role's one task and one host command on a compliant host, the same failure message.
    converged = fixture_fleet.playbook(DO_PLAY, limit="srv2019-compliant,win10-do-group")
    assert converged.rc == 2, converged.stdout + converged.stderr  # win10-do-group keeps its DO004
    seen = len(fixture_fleet.running.commands())
    run = fixture_fleet.playbook(IMPORTED_DO_PLAY, limit="srv2019-compliant,win10-do-group")
    assert {entry["task"] for entry in run.results} == {DO_TASK}
    statuses = {host: entry["status"] for host, entry in run.for_task(DO_TASK).items()}
    assert statuses == {"srv2019-compliant": "ok", "win10-do-group": "failed"}
    assert run.for_task(DO_TASK)["win10-do-group"]["result"]["msg"] == (
        converged.for_task(DO_TASK)["win10-do-group"]["result"]["msg"]
    )
    assert commands_per_host(fixture_fleet, seen) == {"srv2019-compliant": 1, "win10-do-group": 1}


def test_the_role_imported_without_ansibles_validation_still_refuses_a_missing_variable(fixture_fleet) -> None:
    # With ansible-core's validation task left out, the role's own task names the missing variable before any host
    # command runs.
    seen = len(fixture_fleet.running.commands())
    play = IMPORTED_DO_PLAY.replace(f"    delivery_optimization_proxy: {PROXY}\n", "")
    run = fixture_fleet.playbook(play, limit="clean-host")
    assert run.rc == 2
    assert run.for_task(DO_TASK)["clean-host"]["result"]["msg"] == (
        "role delivery_optimization: missing required arguments: delivery_optimization_proxy"
    )
    assert len(fixture_fleet.running.commands()) == seen
