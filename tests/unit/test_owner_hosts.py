"""The owner hosts (tests/fixtures/owner-hosts): who owns each value, the effective value, the guard, one command.

Each host is run in-process (tests/inprocess.py: the real action plugins against the simulated host's agent
twin); tests/integration/test_owners.py runs the same over WinRM with ansible-playbook and the report.
"""

from __future__ import annotations

import json
import typing as t

import pytest

from tests.fixtures import make_hosts
from tests.inprocess import InProcessHost
from tests.winsim.host import SimHost
from tests.winsim.regfile import Value

DIR = make_hosts.OWNER_HOSTS_DIR
PM = r"SOFTWARE\Microsoft\PolicyManager\current\device"
DO_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization"
DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
ENROLLMENT = "MS DM Server (admin@contoso.com)"
DO_GPO_ID = "cn={2A7C9E10-5B3D-4F8A-8C6E-0D1F2E3A4B5C},cn=policies,cn=system,DC=contoso,DC=com"
WINHTTP_GPO_ID = "cn={8E4F2B1C-3D5A-4C7E-9B0F-1A2B3C4D5E6F},cn=policies,cn=system,DC=contoso,DC=com"


def host(name: str) -> InProcessHost:
    loaded = SimHost.load(DIR / f"{name}.reg", DIR / f"{name}.json")
    return InProcessHost(loaded.registry, name, loaded.facts)


def mdm_owner(area: str, policy: str, effective: t.Any, *, wins: bool = False) -> dict[str, t.Any]:
    return {
        "owner": "mdm",
        "area": area,
        "policy": policy,
        "csp": f"./Device/Vendor/MSFT/Policy/Config/{area}/{policy}",
        "key": f"HKLM\\{PM}\\{area}",
        "value": policy,
        "effective": effective,
        "mdm_wins_over_gp": wins,
        "provider": ENROLLMENT,
        "verified": False,
    }


def mdm_message(setting: str, area: str, policy: str, written: str, why: str) -> str:
    csp = f"./Device/Vendor/MSFT/Policy/Config/{area}/{policy}"
    return (
        f"{setting} is owned by MDM policy {csp} (HKLM\\{PM}\\{area}\\{policy}, enrollment {ENROLLMENT}); "
        f"HKLM\\{written} is left as it is: {why}. To change it, change the Intune (MDM) profile that sets {csp}, "
        "or name mdm in override_owner to write it anyway"
    )


GP_BEATS_MDM = "a Group Policy value written here would override the MDM profile, which would no longer apply"
MDM_WINS = "MDMWinsOverGP is set, so Windows uses the MDM value and ignores a Group Policy value written here"
DO_GPO_OWNER = {
    "owner": "group_policy",
    "gpo_name": "Contoso Delivery Optimization",
    "gpo_id": DO_GPO_ID,
    "key": f"HKLM\\{DO_POLICY}",
}
GPP_OWNER = {
    "owner": "group_policy_preferences",
    "gpo_name": "Contoso WinHTTP proxy (KB4494447)",
    "gpo_id": WINHTTP_GPO_ID,
    "key": f"HKLM\\{CONNECTIONS}",
    "value": "WinHttpSettings",
    "action": "update",
    "verified": False,
}


# The Network Proxy CSP (owner-mdm-network-proxy): Intune's device-wide WinINET proxy, recorded in the node cache.
NODES = r"HKLM\SOFTWARE\Microsoft\Provisioning\NodeCache\CSP\Device\MS DM Server\Nodes"
SETTINGS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings"
INTUNE_PROXY = make_hosts.MDM_NETWORK_PROXY
CSP_NODES = "./Vendor/MSFT/NetworkProxy (AutoDetect, ProxyServer/ProxyAddress, ProxyServer/Exceptions, " + (
    "ProxyServer/UseProxyForLocalAddresses)"
)
NETWORK_PROXY_OWNER = {
    "owner": "mdm",
    "csp": CSP_NODES,
    "key": NODES,
    "provider": ENROLLMENT,
    "nodes": [
        {"node": f"{NODES}\\13", "csp": "./Vendor/MSFT/NetworkProxy/AutoDetect", "expected_value": "0"},
        {
            "node": f"{NODES}\\14",
            "csp": "./Vendor/MSFT/NetworkProxy/ProxyServer/ProxyAddress",
            "expected_value": INTUNE_PROXY,
        },
        {
            "node": f"{NODES}\\15",
            "csp": "./Vendor/MSFT/NetworkProxy/ProxyServer/Exceptions",
            "expected_value": "*.corp.example",
        },
        {
            "node": f"{NODES}\\16",
            "csp": "./Vendor/MSFT/NetworkProxy/ProxyServer/UseProxyForLocalAddresses",
            "expected_value": "0",
        },
    ],
    "verified": False,
}
PER_MACHINE_OWNER = {
    "owner": "mdm",
    "csp": "./Vendor/MSFT/NetworkProxy (ProxySettingsPerUser)",
    "key": NODES,
    "provider": ENROLLMENT,
    "nodes": [
        {"node": f"{NODES}\\12", "csp": "./Device/Vendor/MSFT/NetworkProxy/ProxySettingsPerUser", "expected_value": "0"}
    ],
    "verified": False,
}
NEW_PROXY = "newproxy.corp.example:8080"


def blob_view(proxy: str, bypass: list[str]) -> dict[str, t.Any]:
    return {"proxy": proxy, "bypass": bypass, "auto_config_url": None, "auto_detect": False}


def network_proxy_held() -> list[dict[str, t.Any]]:
    """What wininet_proxy with NEW_PROXY holds on owner-mdm-network-proxy: both blobs per view, the flat values."""
    intune, wanted = blob_view(INTUNE_PROXY, ["*.corp.example", "<local>"]), blob_view(NEW_PROXY, ["<local>"])
    held = []
    for view in (64, 32):
        for name in ("DefaultConnectionSettings", "SavedLegacySettings"):
            held.append({"setting": f"wininet.{view}.{name}", "current": intune, "desired": wanted})
        if view == 64:
            held.append({"setting": "wininet.64.ProxyServer", "current": INTUNE_PROXY, "desired": NEW_PROXY})
            held.append(
                {"setting": "wininet.64.ProxyOverride", "current": "*.corp.example;<local>", "desired": "<local>"}
            )
    return [{**item, **NETWORK_PROXY_OWNER, "held": True} for item in held]


NETWORK_PROXY_MESSAGE = (
    f"wininet.64 and wininet.32 are owned by MDM (Network Proxy CSP {CSP_NODES}; enrollment {ENROLLMENT}); "
    f"HKLM\\{CONNECTIONS}\\DefaultConnectionSettings, HKLM\\{CONNECTIONS}\\SavedLegacySettings, "
    f"HKLM\\{SETTINGS}\\ProxyServer, HKLM\\{SETTINGS}\\ProxyOverride, "
    f"HKLM\\{CONNECTIONS}\\DefaultConnectionSettings (32-bit view) and "
    f"HKLM\\{CONNECTIONS}\\SavedLegacySettings (32-bit view) are left as they are: the MDM server expects what the "
    "Network Proxy CSP set (its node cache) and would set it again. To change them, change the Intune (MDM) profile "
    f"that sets {CSP_NODES}, or name mdm in override_owner to write them anyway"
)


class Case(t.NamedTuple):
    """A task that wants another value than the owner's, what it must hold and say, and how to override it."""

    module: str
    args: dict[str, t.Any]
    held: list[dict[str, t.Any]]
    warnings: list[str]
    override: str


CASES: dict[str, Case] = {
    "owner-mdm-do": Case(
        "delivery_optimization_policy",
        {"download_mode": "lan"},
        [
            {
                "setting": "delivery_optimization.download_mode",
                "current": None,
                "desired": "lan",
                **mdm_owner("DeliveryOptimization", "DODownloadMode", "group"),
                "held": True,
            }
        ],
        [
            mdm_message(
                "delivery_optimization.download_mode",
                "DeliveryOptimization",
                "DODownloadMode",
                DO_POLICY + "\\DODownloadMode",
                GP_BEATS_MDM,
            )
        ],
        "mdm",
    ),
    # DisableEnterpriseAuthProxy: the MDM store already gives the default (true), so it is neither drift nor held.
    "owner-mdm-telemetry": Case(
        "telemetry_proxy",
        {"proxy": "proxy.corp.example:8080"},
        [
            {
                "setting": "telemetry.proxy",
                "current": None,
                "desired": "proxy.corp.example:8080",
                **mdm_owner("System", "TelemetryProxy", "10.0.0.7:8080"),
                "held": True,
            }
        ],
        [
            mdm_message(
                "telemetry.proxy", "System", "TelemetryProxy", DATA_COLLECTION + "\\TelemetryProxyServer", GP_BEATS_MDM
            )
        ],
        "mdm",
    ),
    "owner-gpp-winhttp": Case(
        "winhttp_proxy",
        {"proxy": "newproxy.corp.example:8080", "bypass": ["<local>"], "views": [64]},
        [
            {
                "setting": "winhttp.64.proxy",
                "current": "proxy.corp.example:8080",
                "desired": "newproxy.corp.example:8080",
                **GPP_OWNER,
                "held": True,
            }
        ],
        [
            "winhttp.64 is owned by a Group Policy Preferences registry item of GPO 'Contoso WinHTTP proxy "
            f"(KB4494447)' ({WINHTTP_GPO_ID}); HKLM\\{CONNECTIONS}\\WinHttpSettings is left as it is: the next Group "
            "Policy refresh would apply the preference item again. To change it, edit or remove the Group Policy "
            "Preferences registry item in the GPO 'Contoso WinHTTP proxy (KB4494447)', or name "
            "group_policy_preferences in override_owner to write it anyway"
        ],
        "group_policy_preferences",
    ),
    "owner-gp-and-mdm": Case(
        "delivery_optimization_policy",
        {"download_mode": "simple"},
        [
            {
                "setting": "delivery_optimization.download_mode",
                "current": "lan",
                "desired": "simple",
                **DO_GPO_OWNER,
                "also": ["mdm"],
                "held": True,
            }
        ],
        [
            f"delivery_optimization.download_mode is owned by Group Policy 'Contoso Delivery Optimization' "
            f"({DO_GPO_ID}); HKLM\\{DO_POLICY}\\DODownloadMode is left as it is: the next Group Policy refresh would "
            "revert it. To change it, edit the GPO 'Contoso Delivery Optimization', or name group_policy in "
            "override_owner to write it anyway"
        ],
        "group_policy",
    ),
    "owner-mdm-wins": Case(
        "delivery_optimization_policy",
        {"download_mode": "simple"},
        [
            {
                "setting": "delivery_optimization.download_mode",
                "current": "lan",
                "desired": "simple",
                **mdm_owner("DeliveryOptimization", "DODownloadMode", "group", wins=True),
                "also": ["group_policy"],
                "held": True,
            }
        ],
        [
            mdm_message(
                "delivery_optimization.download_mode",
                "DeliveryOptimization",
                "DODownloadMode",
                DO_POLICY + "\\DODownloadMode",
                MDM_WINS,
            )
        ],
        "mdm",
    ),
    "owner-mdm-network-proxy": Case(
        "wininet_proxy",
        {"proxy": NEW_PROXY, "bypass": ["<local>"]},
        network_proxy_held(),
        [NETWORK_PROXY_MESSAGE],
        "mdm",
    ),
}


def test_the_owner_host_files_are_what_the_script_writes() -> None:
    assert sorted(path.name for path in DIR.iterdir()) == sorted(
        [f"{name}.reg" for name in make_hosts.OWNER_HOSTS]
        + [f"{name}.json" for name in make_hosts.OWNER_HOSTS]
        + ["README.md"]
    )
    readme = (DIR / "README.md").read_text(encoding="utf-8")
    assert all(f"- `{name}`:" in readme for name in make_hosts.OWNER_HOSTS)
    for name in make_hosts.OWNER_HOSTS:
        assert (DIR / f"{name}.reg").read_bytes() == make_hosts.render(name), "run python -m tests.fixtures.make_hosts"
        assert (DIR / f"{name}.json").read_bytes() == make_hosts.render_facts(name), name


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_mode_holds_the_owned_value_in_one_command(name: str) -> None:
    case = CASES[name]
    run = host(name).run(case.module, case.args, check_mode=True)
    assert run.result is not None, run.error
    assert (run.result["changed"], run.result["drift"], run.result["held"]) == (False, [], case.held)
    assert run.result["warnings"] == case.warnings
    assert run.result["host_commands"] == 1


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_guard_writes_nothing_and_override_owner_writes_it(name: str) -> None:
    case = CASES[name]
    target = host(name)
    before = target.registry_text()
    run = target.run(case.module, case.args)
    assert run.result is not None, run.error
    assert (run.result["changed"], run.result["host_commands"], target.registry_text()) == (False, 1, before)
    forced = target.run(case.module, {**case.args, "override_owner": [case.override]})
    assert forced.result is not None, forced.error
    assert (forced.result["changed"], forced.result["held"], forced.result["host_commands"]) == (True, [], 2)
    assert forced.result["warnings"][0].startswith(case.warnings[0].split("; ", 1)[0] + "; ")
    assert "written because override_owner names " + case.override in forced.result["warnings"][0]


def test_override_gpo_is_override_owner_group_policy() -> None:
    target = host("owner-gp-and-mdm")
    run = target.run("delivery_optimization_policy", {"download_mode": "simple", "override_gpo": True})
    assert run.result is not None, run.error
    assert (run.result["changed"], run.result["held"]) == (True, [])
    data = target.sim.registry.get_value("HKLM", DO_POLICY, "DODownloadMode")
    assert data is not None and int.from_bytes(data.raw, "little") == 99


def test_a_task_asking_for_the_value_mdm_delivers_finds_the_host_compliant() -> None:
    run = host("owner-mdm-do").run("delivery_optimization_policy", {"download_mode": "group"}, check_mode=True)
    assert run.result is not None, run.error
    assert (run.result["changed"], run.result["drift"], run.result["held"]) == (False, [], [])


def facts(name: str) -> dict[str, t.Any]:
    run = host(name).run("proxy_facts", {})
    assert run.result is not None, run.error
    assert run.result["host_commands"] == 1
    return t.cast(dict[str, t.Any], run.result["ansible_facts"]["windows_proxy"])


def owned(found: dict[str, t.Any]) -> dict[str, t.Any]:
    return {setting: owner for setting, owner in found["owners"].items() if owner["owner"] != "local"}


def test_facts_of_the_mdm_hosts_give_the_mdm_values_and_owners() -> None:
    do = facts("owner-mdm-do")
    assert do["delivery_optimization"]["download_mode"] == "group"
    assert owned(do) == {
        "delivery_optimization.download_mode": mdm_owner("DeliveryOptimization", "DODownloadMode", "group")
    }
    telemetry = facts("owner-mdm-telemetry")
    assert (telemetry["telemetry"]["proxy"], telemetry["telemetry"]["disable_enterprise_auth_proxy"]) == (
        "10.0.0.7:8080",
        True,
    )
    assert telemetry["effective"]["mde_sensor"]["proxy"] == "10.0.0.7:8080"
    assert sorted(owned(telemetry)) == ["telemetry.disable_enterprise_auth_proxy", "telemetry.proxy"]
    assert not [finding for finding in telemetry["findings"] if finding["id"] == "MDE001"]


def test_facts_follow_mdm_wins_over_gp() -> None:
    gp = facts("owner-gp-and-mdm")
    assert gp["delivery_optimization"]["download_mode"] == "lan"
    assert owned(gp) == {"delivery_optimization.download_mode": {**DO_GPO_OWNER, "also": ["mdm"]}}
    mdm = facts("owner-mdm-wins")
    assert mdm["delivery_optimization"]["download_mode"] == "group"
    assert owned(mdm) == {
        "delivery_optimization.download_mode": {
            **mdm_owner("DeliveryOptimization", "DODownloadMode", "group", wins=True),
            "also": ["group_policy"],
        }
    }


def test_facts_see_the_defender_av_proxy_set_with_set_mppreference() -> None:
    found = facts("owner-av-preference")
    assert found["defender"]["proxy_server"] == "http://10.0.0.8:3128"
    preference = {"owner": "preference", "key": r"HKLM\SOFTWARE\Microsoft\Windows Defender"}
    assert owned(found) == {
        "defender.proxy_server": {**preference, "value": "ProxyServer"},
        "defender.bypass": {**preference, "value": "ProxyBypass"},
    }
    av = found["effective"]["defender_av"]
    assert {key: av[key] for key in ("proxy", "bypass", "source", "store", "owner", "value")} == {
        "proxy": "http://10.0.0.8:3128",
        "bypass": ["<local>", "*.corp.example"],
        "source": "defender.proxy_server",
        "store": "preference",
        "owner": "preference",
        "value": "ProxyServer",
    }
    assert av["rule"].endswith("step 1: the ProxyServer preference (Set-MpPreference, no policy sets it)")


def test_a_defender_policy_wins_over_the_preference_and_is_not_held() -> None:
    target = host("owner-av-preference")
    run = target.run("defender_proxy", {"proxy_server": "http://proxy.corp.example:8080"})
    assert run.result is not None, run.error
    assert (run.result["changed"], run.result["held"]) == (True, [])
    av = facts_of(target)["effective"]["defender_av"]
    assert (av["proxy"], av["store"], av["owner"]) == ("http://proxy.corp.example:8080", "policy", "local")


def facts_of(target: InProcessHost) -> dict[str, t.Any]:
    run = target.run("proxy_facts", {})
    assert run.result is not None, run.error
    return t.cast(dict[str, t.Any], run.result["ansible_facts"]["windows_proxy"])


def test_facts_name_the_gpp_item_that_deploys_winhttpsettings() -> None:
    assert owned(facts("owner-gpp-winhttp")) == {"winhttp.64": GPP_OWNER}


ALICE = make_hosts.ALICE_SID
BOB = make_hosts.BOB_SID


def test_user_policy_and_user_preference_items_own_the_users_proxies() -> None:
    found = facts("owner-user-policy")
    users = {user["sid"]: user for user in found["users"]}
    assert (users[ALICE]["owner"], users[ALICE]["policy"]) == (
        "group_policy",
        {"ProxyEnable": 1, "ProxyServer": "userproxy.corp.example:8080", "ProxyOverride": "<local>"},
    )
    assert (users[BOB]["owner"], users[BOB]["policy"]) == ("group_policy_preferences", {})
    history = "LDAP://CN=User,cn={%s},cn=policies,cn=system,DC=contoso,DC=com"
    assert found["owners"][f"wininet.user:{ALICE}"] == {
        "owner": "group_policy",
        "gpo_name": "Contoso User Proxy",
        "gpo_id": history % "6B1D3F5A-7C9E-4A2B-8D0F-3E5A7C9B1D2F",
        "key": f"HKU\\{ALICE}\\Software\\Policies\\Microsoft\\Windows\\CurrentVersion\\Internet Settings",
        "verified": False,
    }
    assert found["owners"][f"wininet.user:{BOB}"] == {
        "owner": "group_policy_preferences",
        "gpo_name": "Contoso User Proxy Preferences",
        "gpo_id": history % "9C2E4A6B-8D0F-4B3C-9E1A-4F6B8D0C2E3A",
        "key": f"HKU\\{BOB}\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings",
        "verified": False,
    }
    interactive = found["effective"]["delivery_optimization"]["interactive"]
    assert interactive["proxy"] == "userproxy.corp.example:8080"
    assert interactive["rule"].endswith("; user Group Policy sets this user's proxy (Contoso User Proxy)")


def test_without_users_no_user_owner_is_read() -> None:
    run = host("owner-user-policy").run("proxy_facts", {"users": False})
    assert run.result is not None, run.error
    found = run.result["ansible_facts"]["windows_proxy"]
    assert (found["users"], [key for key in found["owners"] if key.startswith("wininet.user:")]) == (None, [])


# --- The Network Proxy CSP: the device-wide WinINET proxy an MDM server sets, recorded in its node cache -----------


def test_facts_give_the_network_proxy_csp_proxy_and_its_owner() -> None:
    found = facts("owner-mdm-network-proxy")
    intune = {**blob_view(INTUNE_PROXY, ["*.corp.example", "<local>"]), "origin": "blob"}
    assert (found["wininet"]["per_machine"], found["wininet"]["machine"]) == (True, {"64": intune, "32": intune})
    assert owned(found) == {
        "wininet.per_machine": PER_MACHINE_OWNER,
        "wininet.machine.64": NETWORK_PROXY_OWNER,
        "wininet.machine.32": NETWORK_PROXY_OWNER,
    }
    # The effective value is the one Windows uses: the CSP wrote the WinINET settings themselves.
    service = found["effective"]["delivery_optimization"]["network_service"]
    assert (service["proxy"], service["bypass"], service["source"]) == (
        INTUNE_PROXY,
        ["*.corp.example", "<local>"],
        "wininet.machine",
    )


def test_a_task_asking_for_the_network_proxy_csp_values_finds_the_host_compliant() -> None:
    args = {"proxy": INTUNE_PROXY, "bypass": ["*.corp.example", "<local>"]}
    run = host("owner-mdm-network-proxy").run("wininet_proxy", args, check_mode=True)
    assert run.result is not None, run.error
    assert (run.result["changed"], run.result["drift"], run.result["held"]) == (False, [], [])
    assert run.result.get("warnings", []) == []
    assert run.result["owners"]["wininet.64"] == NETWORK_PROXY_OWNER


def test_the_network_proxy_csp_holds_proxy_settings_per_user_and_the_baseline_reports_it_held() -> None:
    target = host("owner-mdm-network-proxy")
    before = target.registry_text()
    # state=absent deletes ProxySettingsPerUser and sets direct access: all of it is the CSP's.
    run = target.run("wininet_proxy", {"state": "absent"})
    assert run.result is not None, run.error
    assert (run.result["changed"], run.result["drift"], target.registry_text()) == (False, [], before)
    assert run.result["held"][0] == {
        "setting": "wininet.per_machine",
        "current": True,
        "desired": None,
        **PER_MACHINE_OWNER,
        "held": True,
    }
    assert [item["setting"] for item in run.result["held"][1:]] == [
        "wininet.64.DefaultConnectionSettings",
        "wininet.64.SavedLegacySettings",
        "wininet.64.ProxyEnable",
        "wininet.64.ProxyServer",
        "wininet.64.ProxyOverride",
        "wininet.32.DefaultConnectionSettings",
        "wininet.32.SavedLegacySettings",
    ]
    policy = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings\ProxySettingsPerUser"
    assert run.result["warnings"][0] == (
        "wininet.per_machine is owned by MDM (Network Proxy CSP ./Vendor/MSFT/NetworkProxy (ProxySettingsPerUser); "
        f"enrollment {ENROLLMENT}); {policy} is left as it is: the MDM server expects what the Network Proxy CSP set "
        "(its node cache) and would set it again. To change it, change the Intune (MDM) profile that sets "
        "./Vendor/MSFT/NetworkProxy (ProxySettingsPerUser), or name mdm in override_owner to write it anyway"
    )
    assert run.result["warnings"][1].startswith("wininet.64 and wininet.32 are owned by MDM (Network Proxy CSP ")
    baseline = target.run("proxy_baseline", {"wininet": {"proxy": NEW_PROXY, "bypass": ["<local>"]}}, check_mode=True)
    assert baseline.result is not None, baseline.error
    assert (baseline.result["changed"], baseline.result["drift"], baseline.result["host_commands"]) == (False, [], 1)
    assert baseline.result["held"] == network_proxy_held()
    assert baseline.result["warnings"] == [NETWORK_PROXY_MESSAGE]


def node_cache_host(nodes: int, expected: str = "0") -> InProcessHost:
    """owner-mdm-network-proxy with ``nodes`` more AutoDetect nodes (expected value ``expected``) in the cache."""
    loaded = SimHost.load(DIR / "owner-mdm-network-proxy.reg", DIR / "owner-mdm-network-proxy.json")
    base = make_hosts.NODE_CACHE + "\\Nodes"
    for node in range(100, 100 + nodes):
        loaded.registry.set_value(
            "HKLM", f"{base}\\{node}", "NodeUri", Value.string("./Vendor/MSFT/NetworkProxy/AutoDetect")
        )
        loaded.registry.set_value("HKLM", f"{base}\\{node}", "ExpectedValue", Value.string(expected))
    return InProcessHost(loaded.registry, "pc42", loaded.facts)


def test_more_network_proxy_nodes_than_the_csp_has_fail_naming_host_and_field() -> None:
    # The fixture has five Network Proxy CSP nodes: 59 more is the bound, 60 more is past it.
    assert host_commands_ok(node_cache_host(59))
    run = node_cache_host(60).run("proxy_facts", {})
    assert run.result is not None, run.error
    assert (run.result["failed"], run.result["host_commands"]) == (True, 1)
    assert run.result["msg"] == (
        f"pc42: the host agent's answer is malformed at {NODES.replace('MS DM Server', '*')}: 65 Network Proxy CSP "
        "nodes, more than the 64 accepted"
    )


def test_an_expected_value_longer_than_any_proxy_setting_fails_naming_host_and_field() -> None:
    run = node_cache_host(1, "x" * 32_769).run("wininet_proxy", {"proxy": NEW_PROXY}, check_mode=True)
    assert run.result is not None, run.error
    assert run.result["msg"] == (
        f"pc42: the host agent's answer is malformed at {NODES}\\100\\ExpectedValue: 32,769 characters, more than the "
        "32,768 accepted"
    )
    assert host_commands_ok(node_cache_host(1, "x" * 32_768))


def host_commands_ok(target: InProcessHost) -> bool:
    run = target.run("proxy_facts", {})
    return run.result is not None and not run.result.get("failed") and run.result["host_commands"] == 1


# --- User-side Group Policy Preferences: each signed-in user's RSoP names the item and its GPO ----------------------

CAROL = make_hosts.CAROL_SID
DAVE = make_hosts.DAVE_SID
USER_GPO_ID = "cn={%s},cn=policies,cn=system,DC=contoso,DC=com"
USER_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
CAROL_OWNER = {
    "owner": "group_policy_preferences",
    "gpo_name": "Contoso User Proxy Preferences",
    "gpo_id": USER_GPO_ID % "9C2E4A6B-8D0F-4B3C-9E1A-4F6B8D0C2E3A",
    "key": f"HKU\\{CAROL}\\{USER_SETTINGS}",
    "value": "ProxyEnable",
    "extension": "internet_settings",
    "verified": False,
}
DAVE_OWNER = {
    "owner": "group_policy_preferences",
    "gpo_name": "Contoso User Proxy Registry",
    "gpo_id": USER_GPO_ID % "3D5F7A9C-1B2D-4E6F-8A0B-2C4D6E8F0A1B",
    "key": f"HKU\\{DAVE}\\{USER_SETTINGS}",
    "value": "ProxyServer",
    "extension": "registry",
    "action": "update",
    "verified": False,
}


def test_the_users_rsop_names_the_preference_item_and_gpo_that_set_their_proxies() -> None:
    found = facts("owner-user-gpp")
    assert {user["account"]: user["owner"] for user in found["users"]} == {
        "CONTOSO\\carol": "group_policy_preferences",
        "CONTOSO\\dave": "group_policy_preferences",
    }
    # Not the history's "all GPOs the extension applied" (carol's also lists Contoso IE Home Page), and not the
    # Internet Settings item of dave's that sets only the home page.
    assert found["owners"][f"wininet.user:{CAROL}"] == CAROL_OWNER
    assert found["owners"][f"wininet.user:{DAVE}"] == DAVE_OWNER
    interactive = found["effective"]["delivery_optimization"]["interactive"]
    assert interactive["proxy"] == make_hosts.USER_GPP_PROXY
    assert interactive["rule"].endswith(
        "; a Group Policy Preferences item sets this user's proxy (Contoso User Proxy Preferences)"
    )


def test_without_the_rsop_the_users_history_still_names_the_extensions_gpos() -> None:
    run = host("owner-user-gpp").run("proxy_facts", {"group_policy": False})
    assert run.result is not None, run.error
    owners = run.result["ansible_facts"]["windows_proxy"]["owners"]
    history = "LDAP://CN=User," + USER_GPO_ID
    assert owners[f"wininet.user:{CAROL}"] == {
        "owner": "group_policy_preferences",
        "gpo_name": "Contoso IE Home Page; Contoso User Proxy Preferences",
        "gpo_id": "; ".join(
            history % guid for guid in ("7E9A1C3D-5F7B-4D9E-8B1A-3C5E7F9A1B3D", "9C2E4A6B-8D0F-4B3C-9E1A-4F6B8D0C2E3A")
        ),
        "key": f"HKU\\{CAROL}\\{USER_SETTINGS}",
        "verified": False,
    }
    # No Internet Settings history for dave: without his RSoP his Registry item is not seen.
    assert owners[f"wininet.user:{DAVE}"] == {"owner": "local"}


def test_the_users_rsop_is_read_in_the_same_single_command_by_proxy_facts_and_proxy_baseline() -> None:
    target = host("owner-user-gpp")
    run = target.run("proxy_facts", {})
    assert run.result is not None and run.result["host_commands"] == 1, run.error
    baseline = target.run("proxy_baseline", {"winhttp": {"proxy": "direct"}, "facts": True}, check_mode=True)
    assert baseline.result is not None, baseline.error
    assert baseline.result["host_commands"] == 1
    owners = baseline.result["ansible_facts"]["windows_proxy"]["owners"]
    assert (owners[f"wininet.user:{CAROL}"], owners[f"wininet.user:{DAVE}"]) == (CAROL_OWNER, DAVE_OWNER)
    without_users = target.run("proxy_baseline", {"winhttp": {"proxy": "direct"}, "facts": True, "facts_users": False})
    assert without_users.result is not None, without_users.error
    assert [key for key in without_users.result["ansible_facts"]["windows_proxy"]["owners"] if "user:" in key] == []


class TamperedHost(InProcessHost):
    """A host whose agent answers the per-user RSoP query with ``change`` applied to it."""

    def __init__(self, name: str, change: t.Callable[[dict[str, t.Any]], None]) -> None:
        loaded = SimHost.load(DIR / f"{name}.reg", DIR / f"{name}.json")
        super().__init__(loaded.registry, "pc42", loaded.facts)
        self.change = change

    def execute(
        self, cmd: str, in_data: bytes | None = None, sudoable: bool = True, **kwargs: t.Any
    ) -> dict[str, t.Any]:
        done = super().execute(cmd, in_data, sudoable, **kwargs)
        answer = json.loads(done["stdout"])
        for result in answer.get("results", []):
            if "users" in result:
                self.change(result)
        return {**done, "stdout": json.dumps(answer)}


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda result: result["users"].__setitem__(0, {**result["users"][0], "sid": "S-1-5-21-1_Classes"}),
         "results[4].users[0].sid", "expected a user's SID"),
        (lambda result: result["users"].extend([result["users"][0]] * 64), "results[4].users",
         "more users than asked for"),
        (lambda result: result.__setitem__("not_queried", -1), "results[4].not_queried", "expected a count"),
        (lambda result: result["users"][1].__setitem__("instances", {}), "results[4].users[1].instances",
         "expected a list"),
    ],
)  # fmt: skip
def test_a_per_user_answer_out_of_bounds_fails_naming_host_and_field(
    change: t.Callable[[dict[str, t.Any]], None], field: str, problem: str
) -> None:
    run = TamperedHost("owner-user-gpp", change).run("proxy_facts", {})
    assert run.result is not None, run.error
    assert (run.result["failed"], run.result["host_commands"]) == (True, 1)
    assert run.result["msg"] == f"pc42: the host agent's answer is malformed at {field}: {problem}"
