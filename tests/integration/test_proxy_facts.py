"""proxy_facts end to end on the realistic hosts: one command per host, routes, findings, GPO owners."""

from __future__ import annotations

PLAY = """
- name: Facts
  hosts: windows
  gather_facts: false
  tasks:
    - name: Proxy facts
      proxyfleet.windows.proxy_facts:
    - name: Use them
      ansible.builtin.set_fact:
        network_service_proxy: "{{ ansible_facts.windows_proxy.effective.delivery_optimization.network_service.proxy }}"
"""


def route(result: dict, *path: str) -> tuple[object, object]:
    node = result["ansible_facts"]["windows_proxy"]["effective"]
    for part in path:
        node = node[part]
    return node["proxy"], node["source"]


def test_facts_in_one_command_per_host(fixture_fleet) -> None:
    original = {name: fixture_fleet.reg_bytes_of(name) for name in fixture_fleet.names}
    run = fixture_fleet.playbook(PLAY)
    assert run.rc == 0, run.stdout + run.stderr
    facts = run.for_task("Proxy facts")
    assert {host: entry["result"]["host_commands"] for host, entry in facts.items()} == {
        name: 1 for name in fixture_fleet.names
    }
    assert {host: entry["status"] for host, entry in facts.items()} == {name: "ok" for name in fixture_fleet.names}
    assert {name: fixture_fleet.reg_bytes_of(name) for name in fixture_fleet.names} == original

    # A device-wide WinINET proxy plus a stale netsh proxy: NetworkService takes the netsh one.
    stale = facts["srv2022-stale-netsh"]["result"]
    assert route(stale, "delivery_optimization", "interactive") == ("proxy.corp.example:8080", "wininet.machine")
    assert route(stale, "delivery_optimization", "network_service") == ("oldproxy.corp.example:3128", "winhttp.64")
    # The stale netsh proxy also carries the downloads nobody is signed in for (DO006, [DOPX]).
    assert [item["id"] for item in stale["findings"]] == ["DO001", "DO001", "DO002", "DO006", "WH001"]

    # A per-user proxy only: the user's downloads use it, NetworkService gets none.
    peruser = facts["win11-peruser"]["result"]
    assert route(peruser, "delivery_optimization", "network_service") == (None, "direct")
    assert route(peruser, "delivery_optimization", "interactive")[1] == (
        "wininet.user:S-1-5-21-3623811015-3361044348-30300820-1013"
    )
    assert "DO003" in [item["id"] for item in peruser["findings"]]
    # The hive of the account Ansible connects with (proxyfleet-admin, loaded by WinRM, with a proxy of its own)
    # is never the interactive user: only alice, signed in at the console, is.
    facts_of_peruser = peruser["ansible_facts"]["windows_proxy"]
    assert facts_of_peruser["signed_in"] == ["S-1-5-21-3623811015-3361044348-30300820-1013"]
    assert [(u["sid"][-4:], u["account"], u["sessions"], u["connecting"]) for u in facts_of_peruser["users"]] == [
        ("1001", "WIN11-PERUSER\\proxyfleet-admin", {}, True),
        ("1013", "WIN11-PERUSER\\alice", {"1": "Console"}, False),
    ]
    assert route(peruser, "delivery_optimization", "interactive")[0] == "proxy.corp.example:8080"
    do003 = next(item for item in peruser["findings"] if item["id"] == "DO003")
    assert "adminproxy" not in do003["message"]

    half = facts["win11-mde-half"]["result"]
    assert route(half, "mde_sensor") == ("10.0.0.6:8080", "telemetry")
    assert {item["id"] for item in half["findings"]} >= {"MDE001", "AV001"}

    gpo = facts["win11-gpo-telemetry"]["result"]["ansible_facts"]["windows_proxy"]["gpo"]
    assert [(owner["setting"], owner["gpo_name"]) for owner in gpo] == [
        ("telemetry.proxy", "Contoso MDE proxy"),
        ("telemetry.disable_enterprise_auth_proxy", "Contoso MDE proxy"),
    ]
    # Every surface is on the fixtures' baseline, but that baseline copies the proxy into netsh, which [DOPX] advises
    # against (DO006: netsh cannot authenticate), and its bypass *.prod.do.dsp.mp.microsoft.com misses geo-prod and
    # geover-prod of the DO endpoint table (DO001, once for WinINET, once for netsh).
    found = facts["srv2019-compliant"]["result"]["findings"]
    assert [item["id"] for item in found] == ["DO001", "DO001", "DO006"]
    assert found[0]["evidence"]["not_bypassed"] == [
        "geo-prod.do.dsp.mp.microsoft.com",
        "geover-prod.do.dsp.mp.microsoft.com",
    ]
    used = run.for_task("Use them")["srv2022-stale-netsh"]["result"]
    assert used["ansible_facts"]["network_service_proxy"] == "oldproxy.corp.example:3128"
