"""proxy_endpoint_check end to end: real ansible-playbook over WinRM against hosts whose network the twin plays.

``ws-inspected`` sits behind a TLS-inspecting proxy (Zscaler-issued chains) with the DO geo host bypassed;
``ws-direct`` reaches everything directly with Microsoft's chains (tests/endpoint_fleet.py).
"""

from __future__ import annotations

import collections
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.endpoint_fleet import DIRECT, INSPECTED, PROXY, write_endpoint_fleet
from tests.integration.conftest import Fleet
from tests.simfleet import RunningFleet
from tests.winsim.agent_twin import load_protocol
from tests.winsim.host import unwrap_command

DO_PROXIED = [
    *(f"{name}.prod.do.dsp.mp.microsoft.com" for name in ("array801", "kv801", "cp801", "disc801", "geover")),
    "geo-prod.do.dsp.mp.microsoft.com",
    "geover-prod.do.dsp.mp.microsoft.com",
]  # geo is bypassed; geover, geo-prod and geover-prod are in the DO endpoint table too


@pytest.fixture
def endpoint_fleet(tmp_path: Path) -> Iterator[Fleet]:
    fleet_dir = tmp_path / "fleet"
    names = write_endpoint_fleet(fleet_dir)
    with RunningFleet(fleet_dir, tmp_path) as running:
        yield Fleet(running, tmp_path, names)


def play(task: str) -> str:
    return f"""
- name: Endpoints
  hosts: windows
  gather_facts: false
  tasks:
    - name: Check
{task}
"""


CHECK = play("""      proxyfleet.windows.proxy_endpoint_check:
        urls: [delivery_optimization, defender_endpoint, "https://unreachable.corp.example/"]
""")


def commands_per_host(fleet: Fleet) -> dict[str, int]:
    return dict(collections.Counter(str(entry["host"]) for entry in fleet.running.commands()))


def test_interception_unreachable_urls_and_one_command_per_host(endpoint_fleet: Fleet) -> None:
    original = endpoint_fleet.reg_bytes()
    run = endpoint_fleet.playbook(CHECK, "--check")
    assert run.rc == 0, run.stdout + run.stderr
    results = run.for_task("Check")
    assert {host: (entry["status"], entry["result"]["host_commands"]) for host, entry in results.items()} == {
        INSPECTED: ("ok", 1),
        DIRECT: ("ok", 1),
    }
    assert commands_per_host(endpoint_fleet) == {INSPECTED: 1, DIRECT: 1}
    assert endpoint_fleet.reg_bytes() == original

    inspected = results[INSPECTED]["result"]
    assert inspected["changed"] is False and inspected["drift"] == []
    [ep001] = [item for item in inspected["findings"] if item["id"] == "EP001"]
    assert ep001["message"] == (
        f"TLS to the Delivery Optimization service is intercepted on proxy {PROXY} (via effective): "
        f"{', '.join(DO_PROXIED)} presented a chain issued by Zscaler Root CA, not a Microsoft public root; "
        "Delivery Optimization pins its certificates, so peer-to-peer and Connected Cache fail and downloads "
        "fall back to HTTP"
    )
    assert ep001["remediation"].startswith(
        f"on proxy {PROXY}: exempt geo.prod.do.dsp.mp.microsoft.com and array*.prod.do.dsp.mp.microsoft.com from "
        "TLS inspection"
    )
    assert ep001["evidence"]["consumers"] == [
        "delivery_optimization.interactive",
        "delivery_optimization.network_service",
    ]
    # The bypassed geo host went direct and presented Microsoft's chain: no interception for it.
    geo = [item for item in inspected["endpoints"] if item["url"] == "https://geo.prod.do.dsp.mp.microsoft.com/"]
    assert {(item["proxy"], item["chain_root"], item["intercepted"]) for item in geo} == {
        (None, "DigiCert Global Root G2", False)
    }
    assert all("geo." not in host for host in ep001["evidence"]["hosts"])

    [ep002] = [item for item in inspected["findings"] if item["id"] == "EP002"]
    assert ep002["message"] == (
        f"The Defender for Endpoint sensor cannot reach its service on its route, proxy {PROXY} (telemetry): "
        "https://events.data.microsoft.com/: the proxy answered CONNECT with HTTP 403"
    )
    unreachable = {
        (tuple(item["consumers"]), item["proxy"], item["reachable"], item["stage"], item["error"])
        for item in inspected["endpoints"]
        if item["url"] == "https://unreachable.corp.example/"
    }
    # *.corp.example is bypassed, so Delivery Optimization goes direct (and times out); the sensor's telemetry
    # proxy has no bypass list and the proxy refuses the host.
    timed_out = "connecting to the host timed out after 5000 ms"
    assert unreachable == {
        (("delivery_optimization.interactive",), None, False, "connect", timed_out),
        (("delivery_optimization.network_service",), None, False, "connect", timed_out),
        (("mde_sensor",), PROXY, False, "proxy", "the proxy answered CONNECT with HTTP 502"),
    }
    crl = next(item for item in inspected["endpoints"] if item["url"] == "http://crl.microsoft.com/")
    assert (crl["reachable"], crl["http_status"], crl["tls"]) == (True, 200, None)

    direct = results[DIRECT]["result"]
    assert direct["findings"] == []
    missing = [item for item in direct["endpoints"] if item["url"] == "https://unreachable.corp.example/"]
    assert {(item["proxy"], item["stage"], item["error"]) for item in missing} == {
        (None, "connect", "No such host is known")
    }
    assert all(
        item["reachable"] and item["intercepted"] is not True
        for item in direct["endpoints"]
        if item["url"] != "https://unreachable.corp.example/"
    )


def test_named_and_direct_routes(endpoint_fleet: Fleet) -> None:
    run = endpoint_fleet.playbook(
        play(f"""      proxyfleet.windows.proxy_endpoint_check:
        urls: ["https://geo.prod.do.dsp.mp.microsoft.com/"]
        via: [direct, named]
        proxy: "http://{PROXY}"
"""),
        limit=INSPECTED,
    )
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task("Check")[INSPECTED]["result"]
    assert [(item["via"], item["proxy"], item["chain_root"]) for item in result["endpoints"]] == [
        ("direct", None, "DigiCert Global Root G2"),
        ("named", PROXY, "Zscaler Root CA"),
    ]
    assert [item["id"] for item in result["findings"]] == ["EP001"]
    assert "effective" not in result


HOSTILE_REJECTED = [
    ("https://a.example/'; Remove-Item C:\\ -Recurse", "'https://a.example/'; Remove-Item C:\\\\ -Recurse'"),
    ('https://a.example/"x', "'https://a.example/\"x'"),
    ("https://a.example/`whoami`", "'https://a.example/`whoami`'"),
    ("https://a.example/\nGET /", "'https://a.example/\\nGET /'"),
    ("https://a.example/\x00", "'https://a.example/\\x00'"),
    ("https://$(whoami).example/", "'https://$(whoami).example/'"),
]


def cases_play(arguments: list[str]) -> str:
    """One task per case (named "Case <i>"), each allowed to fail, so one fleet serves every case."""
    tasks = "".join(
        f"""    - name: Case {index}
      proxyfleet.windows.proxy_endpoint_check:
        {argument}
      ignore_errors: true
"""
        for index, argument in enumerate(arguments)
    )
    return f"""
- name: Cases
  hosts: windows
  gather_facts: false
  tasks:
{tasks}"""


def test_hostile_urls_are_rejected_before_any_host_command(endpoint_fleet: Fleet) -> None:
    urls = [url for url, _shown in HOSTILE_REJECTED]
    run = endpoint_fleet.playbook(
        cases_play([f'urls: ["{{{{ hostile[{index}] }}}}"]' for index in range(len(urls))]),
        "-e",
        f"@{write_vars(endpoint_fleet, urls)}",
        limit=DIRECT,
    )
    for index, (_url, shown) in enumerate(HOSTILE_REJECTED):
        result = run.for_task(f"Case {index}")[DIRECT]
        assert result["status"] == "failed"
        assert result["result"]["msg"] == f"urls[0]: {shown} is not a valid URL; expected {URL_FORM}"
    assert endpoint_fleet.running.commands() == []


def write_vars(fleet: Fleet, hostile: str | list[str]) -> Path:
    """An extra-vars file holding the URLs exactly (no shell or YAML quoting in between)."""
    path = fleet.work / "hostile.json"
    path.write_text(json.dumps({"hostile": hostile}), encoding="utf-8")
    return path


def test_url_with_shell_syntax_in_the_path_is_data_and_the_command_line_is_constant(endpoint_fleet: Fleet) -> None:
    url = "https://unreachable.corp.example/$(Get-Process);&(calc)"
    path = write_vars(endpoint_fleet, url)
    run = endpoint_fleet.playbook(
        play("""      proxyfleet.windows.proxy_endpoint_check:
        urls: ["{{ hostile }}", delivery_optimization]
        via: [direct]
"""),
        "-e",
        f"@{path}",
        limit=DIRECT,
    )
    assert run.rc == 0, run.stdout + run.stderr
    result = run.for_task("Check")[DIRECT]["result"]
    assert result["endpoints"][0]["url"] == url
    assert (result["endpoints"][0]["error"], result["endpoints"][0]["stage"]) == ("No such host is known", "connect")
    run = endpoint_fleet.playbook(CHECK, limit=DIRECT)
    assert run.rc == 0, run.stdout + run.stderr
    lines = [str(entry["command_line"]) for entry in endpoint_fleet.running.commands()]
    # Two calls with different URLs, the same bytes on the command line: the bootstrap and nothing else
    # (ansible-core before 2.21 wraps it in one more -EncodedCommand layer).
    assert len(lines) == 2 and lines[0] == lines[1]
    line = lines[0]
    assert unwrap_command(line, []) == load_protocol().BOOTSTRAP_SCRIPT
    assert "Get-Process" not in line and "unreachable" not in line


NOT_NAMED = "add named to via or leave proxy out"
PROXY_FORM = "expected host:port or http://host:port, e.g. proxy.corp.example:8080"
URL_FORM = (
    "an http:// or https:// URL such as https://geo.prod.do.dsp.mp.microsoft.com/ (a host name, an IPv4 address or a "
    "bracketed IPv6 address, an optional port 1-65535, then a path without spaces, quotes, backticks, '#', control or "
    "non-ASCII characters), or a URL set: delivery_optimization, defender_endpoint, defender_antivirus"
)


BAD_OPTIONS = [
    ("via: [named]", f"proxy: required when via includes named; {PROXY_FORM}"),
    ("proxy: proxy.corp.example:8080", f"proxy: given, but via does not include named; {NOT_NAMED}"),
    ("via: [named]\n        proxy: 'proxy corp:80'", f"proxy: 'proxy corp:80' is not a valid proxy; {PROXY_FORM}"),
    ("timeout: 0", "timeout: 0 is out of range; expected whole seconds 1-60"),
    ("urls: []", f"urls: name at least one URL or URL set; expected a list of {URL_FORM}"),
]


def test_bad_options_fail_before_any_host_command(endpoint_fleet: Fleet) -> None:
    run = endpoint_fleet.playbook(cases_play([arguments for arguments, _message in BAD_OPTIONS]), limit=DIRECT)
    for index, (_arguments, message) in enumerate(BAD_OPTIONS):
        result = run.for_task(f"Case {index}")[DIRECT]
        assert (result["status"], result["result"]["msg"]) == ("failed", message)
    assert endpoint_fleet.running.commands() == []


def test_results_feed_the_compliance_report(endpoint_fleet: Fleet) -> None:
    from tests.integration.test_compliance_report import run as run_with_report

    done = run_with_report(endpoint_fleet, CHECK, "--check", "--limit", ",".join(endpoint_fleet.names))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((endpoint_fleet.work / "report" / "compliance.json").read_text(encoding="utf-8"))
    found = {host["name"]: sorted({f["id"] for f in host["findings"]}) for host in report["hosts"]}
    # EP001 (DO endpoints intercepted), EP002 (an MDE URL unreachable), EP003 (MDE URLs intercepted) reach the report.
    assert found == {INSPECTED: ["EP001", "EP002", "EP003"], DIRECT: []}


def test_a_network_that_drops_direct_connections_costs_the_timeout_once(tmp_path: Path) -> None:
    # Issue 20: the probes connect together, so eight URLs over a way out that silently drops connections take
    # about one timeout (2 s), not eight (16 s); the twin sleeps the agent's time, so the WinRM command does too.
    from tests.endpoint_fleet import base_registry

    fleet_dir = tmp_path / "fleet"
    fleet_dir.mkdir()
    base_registry().save(fleet_dir / "ws-dropped.reg")
    network = {"rules": [{"host": "*", "via": "direct", "answer": {"drop": True}}]}
    (fleet_dir / "ws-dropped.json").write_text(json.dumps({"network": network}), encoding="utf-8")
    urls = [f"https://host{number}.example/" for number in range(8)]
    with RunningFleet(fleet_dir, tmp_path) as running:
        fleet = Fleet(running, tmp_path, ["ws-dropped"])
        started = time.perf_counter()
        run = fleet.playbook(
            play(
                f"      proxyfleet.windows.proxy_endpoint_check:\n        urls: {json.dumps(urls)}\n"
                "        via: [direct]\n        timeout: 2\n"
            )
        )
        wall = time.perf_counter() - started
        assert run.rc == 0, run.stdout + run.stderr
        result = run.for_task("Check")["ws-dropped"]["result"]
        assert 2000 <= result["probe_ms"] <= 2000 + len(urls)
        assert [entry["error"] for entry in result["endpoints"]] == [
            f"connecting to host{number}.example:443 timed out after 2000 ms" for number in range(8)
        ]
        assert commands_per_host(fleet) == {"ws-dropped": 1}
    # ansible-playbook's own start and the WinRM exchange take a few seconds on a loaded machine; 16 s would not fit.
    assert wall < 12, wall
