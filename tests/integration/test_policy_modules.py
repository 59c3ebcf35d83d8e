"""telemetry_proxy, defender_proxy and delivery_optimization_policy end to end against the fixture hosts.

Real ansible-playbook over real WinRM against the simulator serving copies of tests/fixtures/hosts
(conftest.fixture_fleet).
The rhythm of every change: check mode reports the exact drift and writes nothing; apply writes
exactly the managed values and leaves their sibling values alone; a second apply changes nothing
and costs one host command per host; state=absent removes exactly the managed values, never the
keys or foreign values.
"""

from __future__ import annotations

import typing as t

from tests.winsim.regfile import Value

if t.TYPE_CHECKING:
    from tests.integration.conftest import Fleet

DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
ATP_POLICY = r"SOFTWARE\Policies\Microsoft\Windows Advanced Threat Protection"
DEFENDER_POLICY = r"SOFTWARE\Policies\Microsoft\Windows Defender"
SPYNET_POLICY = DEFENDER_POLICY + r"\Spynet"
DO_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization"
PROXY = "proxy.corp.example:8080"
BASELINE_BYPASS = "<local>;*.corp.example;*.prod.do.dsp.mp.microsoft.com"
GUID = "8a6e2a3c-3f0b-4d7e-9a53-2b2f8a1f0c11"
TASK = "Policy task"
CREATED_KEYS = r"SOFTWARE\proxyfleet\CreatedKeys"


def play(module: str, args: str) -> str:
    """One play over the group (narrowed with --limit) running ``module`` with ``args`` (YAML lines)."""
    body = "".join(f"        {line}\n" for line in args.strip().splitlines())
    return f"""
- name: Policy
  hosts: windows
  gather_facts: false
  tasks:
    - name: {TASK}
      proxyfleet.windows.{module}:
{body}"""


def key_values(fleet: Fleet, host: str, path: str) -> dict[str, Value]:
    """Every value of an existing HKLM key (64-bit view) on ``host``, by name."""
    registry = fleet.registry(host)
    assert registry.key_exists("HKLM", path), (host, path)
    return dict(registry.values("HKLM", path))


def commands_per_host(entries: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        counts[str(entry["host"])] = counts.get(str(entry["host"]), 0) + 1
    return counts


def run_ok(fleet: Fleet, body: str, *args: str, limit: str) -> dict[str, dict]:
    """Run a playbook that must succeed; return the results of TASK by host."""
    run = fleet.playbook(body, *args, limit=limit)
    assert run.rc == 0, run.stdout + run.stderr
    results = run.for_task(TASK)
    assert set(results) == set(limit.split(","))
    return {host: entry["result"] | {"status": entry["status"]} for host, entry in results.items()}


def local(items: list[dict]) -> list[dict]:
    """Drift entries as the modules return them on a host where nobody else owns the values."""
    return [{**item, "owner": "local"} for item in items]


def check_apply_reapply(
    fleet: Fleet, body: str, limit: str, drift: dict[str, list[dict]]
) -> tuple[dict[str, dict], dict[str, dict]]:
    """The common rhythm; returns the check and apply results. ``drift`` is the exact drift per host."""
    hosts = limit.split(",")
    original = fleet.reg_bytes()
    # No owner but this collection on these hosts: every entry carries owner local (docs/owners.md).
    drift = {host: local(items) for host, items in drift.items()}

    check = run_ok(fleet, body, "--check", limit=limit)
    assert {host: result["drift"] for host, result in check.items()} == drift
    assert {host: result["changed"] for host, result in check.items()} == {host: bool(drift[host]) for host in hosts}
    assert {host: result["host_commands"] for host, result in check.items()} == {host: 1 for host in hosts}
    assert all(result["backup_id"] is None for result in check.values())
    assert fleet.reg_bytes() == original, "check mode must not write"
    assert commands_per_host(fleet.running.commands()) == {host: 1 for host in hosts}

    apply = run_ok(fleet, body, limit=limit)
    for host in hosts:
        result = apply[host]
        assert result["changed"] is bool(drift[host]), host
        assert result["drift"] == drift[host], host
        assert result["before"] == check[host]["before"], host
        assert result["after"] == check[host]["after"], "check mode predicts the state apply leaves"
        if drift[host]:
            assert result["host_commands"] == 2 and isinstance(result["backup_id"], str), host
        else:
            assert result["host_commands"] == 1 and result["backup_id"] is None, host
            assert fleet.reg_bytes()[host] == original[host], host

    before_reapply = len(fleet.running.commands())
    again = run_ok(fleet, body, limit=limit)
    assert {host: (result["changed"], result["drift"]) for host, result in again.items()} == {
        host: (False, []) for host in hosts
    }
    new_commands = fleet.running.commands()[before_reapply:]
    assert commands_per_host(new_commands) == {host: 1 for host in hosts}
    # Reads only: the registry and, in the same command, the Resultant Set of Policy.
    assert {op["op"] for entry in new_commands for op in entry["operations"]} == {"read", "wmi_query"}
    return check, apply


# ---------------------------------------------------------------------------------------------
# telemetry_proxy

TELEMETRY = play("telemetry_proxy", f"proxy: {PROXY}\nprefer_static_proxy_for_http_request: true")


def test_telemetry_proxy(fixture_fleet: Fleet) -> None:
    limit = "win11-mde-half,clean-host"
    check, apply = check_apply_reapply(
        fixture_fleet,
        TELEMETRY,
        limit,
        {
            "win11-mde-half": [
                {"setting": "telemetry.proxy", "current": "10.0.0.6:8080", "desired": PROXY},
                {"setting": "telemetry.disable_enterprise_auth_proxy", "current": None, "desired": True},
                {"setting": "telemetry.prefer_static_proxy_for_http_request", "current": None, "desired": True},
            ],
            "clean-host": [
                {"setting": "telemetry.proxy", "current": None, "desired": PROXY},
                {"setting": "telemetry.disable_enterprise_auth_proxy", "current": None, "desired": True},
                {"setting": "telemetry.prefer_static_proxy_for_http_request", "current": None, "desired": True},
            ],
        },
    )
    assert check["win11-mde-half"]["before"] == {
        "proxy": "10.0.0.6:8080",
        "disable_enterprise_auth_proxy": None,
        "prefer_static_proxy_for_http_request": None,
    }
    assert apply["clean-host"]["after"] == {
        "proxy": PROXY,
        "disable_enterprise_auth_proxy": True,
        "prefer_static_proxy_for_http_request": True,
    }
    assert "warnings" not in apply["clean-host"]

    assert key_values(fixture_fleet, "win11-mde-half", DATA_COLLECTION) == {
        "AllowTelemetry": Value.dword(1),
        "TelemetryProxyServer": Value.string(PROXY),
        "DisableEnterpriseAuthProxy": Value.dword(1),
    }
    assert key_values(fixture_fleet, "win11-mde-half", ATP_POLICY) == {
        "AllowSampleCollection": Value.dword(1),
        "PreferStaticProxyForHttpRequest": Value.dword(1),
    }
    assert key_values(fixture_fleet, "clean-host", DATA_COLLECTION) == {
        "TelemetryProxyServer": Value.string(PROXY),
        "DisableEnterpriseAuthProxy": Value.dword(1),
    }
    assert key_values(fixture_fleet, "clean-host", ATP_POLICY) == {"PreferStaticProxyForHttpRequest": Value.dword(1)}

    absent = run_ok(fixture_fleet, play("telemetry_proxy", "state: absent"), limit=limit)
    assert absent["win11-mde-half"]["drift"] == local(
        [
            {"setting": "telemetry.proxy", "current": PROXY, "desired": None},
            {"setting": "telemetry.disable_enterprise_auth_proxy", "current": True, "desired": None},
            {"setting": "telemetry.prefer_static_proxy_for_http_request", "current": True, "desired": None},
        ]
    )
    assert all(result["changed"] and result["host_commands"] == 2 for result in absent.values())
    assert key_values(fixture_fleet, "win11-mde-half", DATA_COLLECTION) == {"AllowTelemetry": Value.dword(1)}
    assert key_values(fixture_fleet, "win11-mde-half", ATP_POLICY) == {"AllowSampleCollection": Value.dword(1)}
    # The module created these keys on clean-host, so they go once empty; recorded keys are forgotten.
    clean = fixture_fleet.registry("clean-host")
    assert not clean.key_exists("HKLM", DATA_COLLECTION)
    assert not clean.key_exists("HKLM", ATP_POLICY)
    assert clean.values("HKLM", CREATED_KEYS) == []

    again = run_ok(fixture_fleet, play("telemetry_proxy", "state: absent"), limit=limit)
    assert {host: (result["changed"], result["host_commands"]) for host, result in again.items()} == {
        "win11-mde-half": (False, 1),
        "clean-host": (False, 1),
    }


# ---------------------------------------------------------------------------------------------
# defender_proxy

DEFENDER = """
- name: Defender on the half-configured MDE host
  hosts: win11-mde-half
  gather_facts: false
  tasks:
    - name: Policy task
      proxyfleet.windows.defender_proxy:
        proxy_server: http://10.0.0.6:8080
        bypass: ["<local>", "*.corp.example"]
        ssl_options: 2

- name: Defender on the compliant server, written differently but meaning the same
  hosts: srv2019-compliant
  gather_facts: false
  tasks:
    - name: Policy task
      proxyfleet.windows.defender_proxy:
        proxy_server: HTTP://Proxy.Corp.Example:8080
        bypass: ["*.prod.do.dsp.mp.microsoft.com", "<LOCAL>", "*.corp.example"]
"""


def test_defender_proxy(fixture_fleet: Fleet) -> None:
    limit = "win11-mde-half,srv2019-compliant"
    check, apply = check_apply_reapply(
        fixture_fleet,
        DEFENDER,
        limit,
        {
            "win11-mde-half": [
                {"setting": "defender.proxy_server", "current": "10.0.0.6:8080", "desired": "http://10.0.0.6:8080"},
                {"setting": "defender.bypass", "current": None, "desired": ["<local>", "*.corp.example"]},
                {"setting": "defender.ssl_options", "current": None, "desired": 2},
            ],
            "srv2019-compliant": [],
        },
    )
    assert check["srv2019-compliant"]["before"] == {
        "proxy_server": f"http://{PROXY}",
        "pac_url": None,
        "bypass": BASELINE_BYPASS.split(";"),
        "ssl_options": None,
    }
    assert check["srv2019-compliant"]["status"] == "ok"
    assert apply["win11-mde-half"]["after"] == {
        "proxy_server": "http://10.0.0.6:8080",
        "pac_url": None,
        "bypass": ["<local>", "*.corp.example"],
        "ssl_options": 2,
    }
    assert key_values(fixture_fleet, "win11-mde-half", DEFENDER_POLICY) == {
        "PUAProtection": Value.dword(1),
        "ProxyServer": Value.string("http://10.0.0.6:8080"),
        "ProxyBypass": Value.string("<local>;*.corp.example"),
    }
    assert key_values(fixture_fleet, "win11-mde-half", SPYNET_POLICY) == {
        "SpynetReporting": Value.dword(2),
        "SubmitSamplesConsent": Value.dword(1),
        "SSLOptions": Value.dword(2),
    }

    absent = run_ok(fixture_fleet, play("defender_proxy", "state: absent"), limit="win11-mde-half")
    assert absent["win11-mde-half"]["drift"] == local(
        [
            {"setting": "defender.proxy_server", "current": "http://10.0.0.6:8080", "desired": None},
            {"setting": "defender.bypass", "current": ["<local>", "*.corp.example"], "desired": None},
            {"setting": "defender.ssl_options", "current": 2, "desired": None},
        ]
    )
    assert key_values(fixture_fleet, "win11-mde-half", DEFENDER_POLICY) == {"PUAProtection": Value.dword(1)}
    assert key_values(fixture_fleet, "win11-mde-half", SPYNET_POLICY) == {
        "SpynetReporting": Value.dword(2),
        "SubmitSamplesConsent": Value.dword(1),
    }


# ---------------------------------------------------------------------------------------------
# delivery_optimization_policy

DELIVERY_OPTIMIZATION = play(
    "delivery_optimization_policy",
    f"""
download_mode: group
group_id: "{{{GUID.upper()}}}"
cache_hosts: [MCC1.corp.example, mcc2.corp.example]
""",
)


def test_delivery_optimization_policy(fixture_fleet: Fleet) -> None:
    limit = "win10-do-group,clean-host"
    check, apply = check_apply_reapply(
        fixture_fleet,
        DELIVERY_OPTIMIZATION,
        limit,
        {
            "win10-do-group": [
                {"setting": "delivery_optimization.group_id", "current": None, "desired": GUID},
            ],
            "clean-host": [
                {"setting": "delivery_optimization.download_mode", "current": None, "desired": "group"},
                {"setting": "delivery_optimization.group_id", "current": None, "desired": GUID},
                {
                    "setting": "delivery_optimization.cache_hosts",
                    "current": None,
                    "desired": ["MCC1.corp.example", "mcc2.corp.example"],
                },
            ],
        },
    )
    assert check["win10-do-group"]["before"] == {
        "download_mode": "group",
        "group_id": None,
        "group_id_source": None,
        "cache_hosts": ["mcc1.corp.example", "mcc2.corp.example"],
        "cache_host_source": None,
        "disallow_cache_server_downloads_on_vpn": None,
    }
    assert "warnings" not in apply["win10-do-group"]
    assert key_values(fixture_fleet, "win10-do-group", DO_POLICY) == {
        "DOCacheHost": Value.string("mcc1.corp.example,mcc2.corp.example"),
        "DODownloadMode": Value.dword(2),
        "DOMaxCacheAge": Value.dword(604800),
        "DOGroupId": Value.string(GUID),
    }
    assert key_values(fixture_fleet, "clean-host", DO_POLICY) == {
        "DODownloadMode": Value.dword(2),
        "DOGroupId": Value.string(GUID),
        "DOCacheHost": Value.string("MCC1.corp.example,mcc2.corp.example"),
    }

    absent = run_ok(fixture_fleet, play("delivery_optimization_policy", "state: absent"), limit=limit)
    assert [item["setting"] for item in absent["win10-do-group"]["drift"]] == [
        "delivery_optimization.download_mode",
        "delivery_optimization.group_id",
        "delivery_optimization.cache_hosts",
    ]
    assert key_values(fixture_fleet, "win10-do-group", DO_POLICY) == {"DOMaxCacheAge": Value.dword(604800)}
    assert not fixture_fleet.registry("clean-host").key_exists("HKLM", DO_POLICY)


# ---------------------------------------------------------------------------------------------
# bad input

BAD_CALLS = [
    (
        "telemetry_proxy",
        "proxy: http://10.0.0.6:8080",
        "proxy: 'http://10.0.0.6:8080' is not a valid proxy; expected host:port (a host name, an IPv4 address or a "
        "bracketed IPv6 address such as [fd00::1], then a port 1-65535), e.g. proxy.corp.example:8080 without a "
        "scheme",
    ),
    (
        "telemetry_proxy",
        "state: absent\nproxy: 10.0.0.6:8080",
        "proxy cannot be used with state=absent, which removes the telemetry proxy values",
    ),
    (
        "defender_proxy",
        "proxy_server: 10.0.0.6:8080",
        "proxy_server: '10.0.0.6:8080' is not a valid proxy URL; expected http:// or https:// followed by host:port, "
        "e.g. http://proxy.corp.example:8080 (Defender Antivirus ignores a proxy without a scheme)",
    ),
    (
        "defender_proxy",
        "ssl_options: 7",
        # Microsoft's labels of all four values (docs/findings.md, the Defender for Endpoint proxy page).
        "ssl_options: 7 is not one of 0 (disable certificate pinning and revocation checks), 1 (disable certificate "
        "pinning), 2 (disable revocation checks only), 3 (certificate pinning and revocation checks on (the default))",
    ),
    (
        "defender_proxy",
        "state: present",
        "give at least one of proxy_server, pac_url, bypass, ssl_options when state=present",
    ),
    (
        "delivery_optimization_policy",
        "download_mode: fast",
        "download_mode: 'fast' is not a download mode; accepted: http_only (0), lan (1), group (2), internet (3), "
        "simple (99), bypass (100)",
    ),
    (
        "delivery_optimization_policy",
        "group_id: not-a-guid",
        "group_id: 'not-a-guid' is not a GUID; expected the form 01234567-89ab-cdef-0123-456789abcdef",
    ),
    (
        "delivery_optimization_policy",
        "cache_hosts: ['http://mcc1.corp.example']",
        "cache_hosts[0]: 'http://mcc1.corp.example' is not a host name or IP address; Connected Cache hosts are "
        "given as FQDN or IP, without scheme or port",
    ),
]


def test_bad_input_fails_before_any_host_command(fixture_fleet: Fleet) -> None:
    tasks = []
    for index, (module, args, _message) in enumerate(BAD_CALLS):
        body = "".join(f"        {line}\n" for line in args.splitlines())
        tasks.append(
            f"    - name: Bad call {index}\n      ignore_errors: true\n      proxyfleet.windows.{module}:\n{body}"
        )
    playbook = "- name: Bad input\n  hosts: windows\n  gather_facts: false\n  tasks:\n" + "".join(tasks)
    original = fixture_fleet.reg_bytes()
    run = fixture_fleet.playbook(playbook, limit="win11-mde-half")
    assert run.rc == 0, run.stdout + run.stderr
    for index, (module, args, message) in enumerate(BAD_CALLS):
        entry = run.for_task(f"Bad call {index}")["win11-mde-half"]
        assert (entry["status"], entry["result"]["msg"]) == ("failed", message), (module, args)
    assert fixture_fleet.running.commands() == []
    assert fixture_fleet.reg_bytes() == original
