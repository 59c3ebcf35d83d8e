"""Hostile input end to end: a sample of the property tests (tests/unit/test_hostile_input.py) through
real ansible-playbook and WinRM, checked against the simulator's log and the host's .reg file."""

from __future__ import annotations

import json

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._winhttp_settings import decode
from tests.demo_fleet import CONNECTIONS
from tests.winsim.regfile import Value

HOST = "clean-host"
# Valid in a bypass entry and plain data to us: PowerShell's $() subexpression, backtick escapes,
# pipes, redirections, braces, a very long entry.
BYPASS = ["$(Get-Process)", "`$env:x`n", "a|b&c", "<local>", "{x}@(y)>z", "$x.corp.example", "*." + "a" * 400]
PROXY = "proxy.corp.example:8080"
VALID = {
    "winhttp": {"proxy": PROXY, "bypass": BYPASS},
    "wininet": {"proxy": {"http": PROXY, "https": "[fd00::1]:8443"}, "bypass": BYPASS},
    "telemetry": {"proxy": "10.0.0.6:8080"},
    "defender": {"proxy_server": f"http://{PROXY}", "bypass": BYPASS},
    "delivery_optimization": {"download_mode": "99", "cache_hosts": ["cache1.corp.example", "10.1.2.3"]},
}
PROXY_FORM = (
    "is not a valid proxy; expected host:port (a host name, an IPv4 address or a bracketed IPv6 address such as "
    "[fd00::1], then a port 1-65535), e.g. proxy.corp.example:8080"
)
ZONE_FORM = "a zone id is an interface number such as %12, or a name of letters, digits, '_', '-' or '.'"
BYPASS_FORM = (
    "is not a valid bypass entry; expected a host name, address or wildcard pattern such as *.corp.example, 10.*, "
    "<local> or <-loopback>, without spaces, quotes, ';', control or non-ASCII characters"
)
# (module arguments, the exact message)
INVALID = [
    ({"winhttp": {"proxy": "proxy$(Stop-Computer):8080"}}, f"winhttp.proxy: 'proxy$(Stop-Computer):8080' {PROXY_FORM}"),
    ({"winhttp": {"proxy": "proxy.corp.example:8080\n"}}, f"winhttp.proxy: 'proxy.corp.example:8080\\n' {PROXY_FORM}"),
    (
        {"telemetry": {"proxy": "pröxy.corp.example:8080"}},
        f"telemetry.proxy: 'pr\\xf6xy.corp.example:8080' {PROXY_FORM}",
    ),
    ({"wininet": {"proxy": "p:80`; exit 1"}}, f"wininet.proxy: 'p:80`; exit 1' {PROXY_FORM}"),
    (
        {"winhttp": {"proxy": PROXY, "bypass": ["ok", "x'; Remove-Item C:\\ -Recurse; '"]}},
        f"winhttp.bypass[1]: 'x'; Remove-Item C:\\\\ -Recurse; '' {BYPASS_FORM}",
    ),
    (
        {"defender": {"bypass": ["a\u0000b"]}},
        f"defender.bypass[0]: 'a\\x00b' {BYPASS_FORM}",
    ),
    (
        {"winhttp": {"proxy": "a" * 300 + ":80"}},
        f"winhttp.proxy: '{'a' * 116}... {PROXY_FORM}",
    ),
    # Issue 17: a zone id that held a second, per-scheme proxy was written as given.
    (
        {"telemetry": {"proxy": "[fe80::1%a;https=evil.example:80;x]:8080"}},
        f"telemetry.proxy: '[fe80::1%a;https=evil.example:80;x]:8080' {PROXY_FORM}; {ZONE_FORM}",
    ),
    (
        {"winhttp": {"proxy": "[fe80::1%$(Stop-Computer)]:8080"}},
        f"winhttp.proxy: '[fe80::1%$(Stop-Computer)]:8080' {PROXY_FORM}; {ZONE_FORM}",
    ),
    (
        {"wininet": {"proxy": "fd00::1:8080"}},
        "wininet.proxy: 'fd00::1:8080' is ambiguous: an IPv6 address without brackets, whose last group could be the "
        "port or part of the address; write the address in brackets, then the port, e.g. [fd00::1]:8080",
    ),
    (
        {"telemetry": {"proxy": "http://svc:S3cret@proxy.corp.example:8080"}},
        f"telemetry.proxy: 'http://********@proxy.corp.example:8080' {PROXY_FORM} without a scheme",
    ),
    (
        {"winhttp": {"proxy": PROXY, "bypass": ["b" * 1025]}},
        "winhttp.bypass[0]: 1025 characters, more than the 1024 a bypass entry takes",
    ),
]


def play(cases: str, *, ignore_errors: bool = False) -> str:
    # JSON is YAML: the hostile strings reach Ansible exactly, without YAML quoting rules in the way.
    return f"""
- name: Hostile input
  hosts: {HOST}
  gather_facts: false
  vars:
    cases: {cases}
  tasks:
    - name: Baseline
      proxyfleet.windows.proxy_baseline:
        wininet: "{{{{ item.wininet | default(omit) }}}}"
        winhttp: "{{{{ item.winhttp | default(omit) }}}}"
        telemetry: "{{{{ item.telemetry | default(omit) }}}}"
        defender: "{{{{ item.defender | default(omit) }}}}"
        delivery_optimization: "{{{{ item.delivery_optimization | default(omit) }}}}"
      loop: "{{{{ cases }}}}"
      ignore_errors: {str(ignore_errors).lower()}
"""


def test_valid_hostile_input_reaches_the_registry_as_data(fixture_fleet) -> None:
    run = fixture_fleet.playbook(play(json.dumps([VALID])))
    assert run.rc == 0, run.stdout + run.stderr
    assert run.for_task("Baseline")[HOST]["status"] == "changed"
    registry = fixture_fleet.registry(HOST)
    for view in (64, 32):
        blob = decode(registry.get_value("HKLM", CONNECTIONS, "WinHttpSettings", view=view).raw)
        assert (blob.proxy, blob.bypass) == (PROXY, ";".join(BYPASS))
    defender = registry.get_value("HKLM", r"SOFTWARE\Policies\Microsoft\Windows Defender", "ProxyBypass")
    assert defender == Value.string(";".join(BYPASS))

    again = fixture_fleet.playbook(play(json.dumps([VALID])), "--check")
    result = again.for_task("Baseline")[HOST]["result"]["results"][0]
    assert (result["changed"], result["drift"], result["host_commands"]) == (False, [], 1)
    # Whatever the input, the command line is the same bytes every time.
    assert len({entry["command_line"] for entry in fixture_fleet.running.commands()}) == 1
    assert "Traceback" not in run.stdout + run.stderr + again.stdout + again.stderr


def test_invalid_hostile_input_fails_exactly_before_any_host_command(fixture_fleet) -> None:
    before = fixture_fleet.reg_bytes_of(HOST)
    run = fixture_fleet.playbook(play(json.dumps([args for args, _message in INVALID]), ignore_errors=True))
    task = run.for_task("Baseline")[HOST]
    assert task["status"] == "failed"
    items = task["result"]["results"]
    assert [item["msg"] for item in items] == [message for _args, message in INVALID]
    assert fixture_fleet.running.commands() == []
    assert fixture_fleet.reg_bytes_of(HOST) == before
    assert "Traceback" not in run.stdout + run.stderr
    # Our messages redact credentials (asserted exactly above); the loop item itself is Ansible's to show.
    assert not any("S3cret" in item["msg"] for item in items)


QUOTE = (
    "YAML 1.1 reads unquoted yes/no/on/off/true/false as booleans and values such as 1:59 as numbers "
    '(sexagesimal: 1:59 is 119, 010 is 8); quote the value, e.g. "1:59"'
)
# Real YAML, unquoted on purpose: what ansible-playbook's YAML 1.1 loader does to these values.
COERCED = f"""
- name: YAML coercions
  hosts: {HOST}
  gather_facts: false
  tasks:
    - name: A bypass entry read as a number
      proxyfleet.windows.winhttp_proxy:
        proxy: {PROXY}
        bypass: [1:59]
      ignore_errors: true
    - name: A proxy read as a boolean
      proxyfleet.windows.telemetry_proxy:
        proxy: on
      ignore_errors: true
    - name: A port read as a boolean
      proxyfleet.windows.configmgr_proxy:
        proxy_server: proxy.contoso.com
        port: yes
      ignore_errors: true
    - name: Real service names
      proxyfleet.windows.restart_service:
        name: [MSSQL$SQLEXPRESS, Apple Mobile Device Service]
    - name: Bypass everything, twice
      proxyfleet.windows.winhttp_proxy:
        proxy: {PROXY}
        bypass: ["*", "*"]
      check_mode: true
"""


def test_yaml_coercions_service_names_and_bypass_warnings_end_to_end(fixture_fleet) -> None:
    before = fixture_fleet.reg_bytes_of(HOST)
    run = fixture_fleet.playbook(COERCED)
    assert run.rc == 0, run.stdout + run.stderr
    messages = [
        run.for_task(task)[HOST]["result"]["msg"]
        for task in ("A bypass entry read as a number", "A proxy read as a boolean", "A port read as a boolean")
    ]
    assert messages == [
        f"bypass[0]: got the number 119 where text was expected; {QUOTE}",
        f"proxy: got the boolean True where text was expected; {QUOTE}",
        "port must be 1-65535 (a number: write port: 8080, not yes or true); got True",
    ]
    services = run.for_task("Real service names")[HOST]["result"]
    # The agent took both names as data and looked them up: this host has neither.
    assert services["warnings"] == [
        "not installed on this host, nothing to restart: MSSQL$SQLEXPRESS, Apple Mobile Device Service"
    ]
    warnings = run.for_task("Bypass everything, twice")[HOST]["result"]["warnings"]
    assert warnings[:2] == [
        "bypass: the entry '*' bypasses the proxy for every host, so the proxy is never used",
        "bypass: duplicate entries (compared ignoring case): '*'",
    ]
    # Only the service lookup and the check reached the host; nothing was written.
    assert [entry["operations"][0]["op"] for entry in fixture_fleet.running.commands()] == ["service", "read"]
    assert fixture_fleet.reg_bytes_of(HOST) == before
    assert "Traceback" not in run.stdout + run.stderr
