"""The end-to-end path against real Windows hosts, for anyone with a lab (docs/testing.md).

Skipped unless PROXYFLEET_LIVE_INVENTORY names an Ansible inventory whose hosts are reachable
Windows machines (any connection settings: winrm, psrp, ssh). By default only read-only and
check-mode tasks run: nothing on the hosts changes. PROXYFLEET_LIVE_WRITE=1 additionally runs one
write test that sets a test proxy in the 32-bit WinHTTP view only and puts the view's original
proxy back. PROXYFLEET_LIVE_LIMIT narrows the hosts (an --limit pattern, default: all).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integration.conftest import PlaybookRun
from tests.simfleet import ansible_env

INVENTORY = os.environ.get("PROXYFLEET_LIVE_INVENTORY", "")
LIMIT = os.environ.get("PROXYFLEET_LIVE_LIMIT", "all")
WRITE = os.environ.get("PROXYFLEET_LIVE_WRITE", "") == "1"
HERE = Path(__file__).resolve().parent
ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
# Reserved by RFC 2606, so a test proxy left behind by an interrupted run can never reach anything.
TEST_PROXY = "proxyfleet-live-test.invalid:3128"

pytestmark = pytest.mark.skipif(
    not INVENTORY, reason="set PROXYFLEET_LIVE_INVENTORY to an inventory of Windows hosts (docs/testing.md)"
)


def live_playbook(work: Path, body: str, *args: str) -> PlaybookRun:
    """Run a playbook (YAML text, hosts: all) against the live inventory; record every task result."""
    playbook = work / f"play{len(list(work.glob('play*.yml')))}.yml"
    playbook.write_text(textwrap.dedent(body), encoding="utf-8")
    record = playbook.with_suffix(".jsonl")
    command = [ANSIBLE_PLAYBOOK, "-i", INVENTORY, "--limit", LIMIT, str(playbook), *args]
    env = ansible_env(
        {
            "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "record_results",
            "RECORD_RESULTS_FILE": str(record),
        }
    )
    # The lab's own proxy variables stay: only the simulator needs NO_PROXY for 127.0.0.1.
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800, check=False)
    results = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    return PlaybookRun(done.returncode, done.stdout, done.stderr, results)


def results_of(run: PlaybookRun, task: str) -> dict[str, dict]:
    """Each host's result of one task; every host must have run it without failing."""
    entries = run.for_task(task)
    assert run.rc == 0, run.stdout + run.stderr
    assert entries, f"no host ran {task!r}: {run.stdout}"
    assert {entry["status"] for entry in entries.values()} <= {"ok", "changed"}, entries
    return {host: entry["result"] for host, entry in entries.items()}


FACTS = """
- name: Live facts
  hosts: all
  gather_facts: false
  tasks:
    - name: Proxy facts
      proxyfleet.windows.proxy_facts:
"""


def test_proxy_facts_reads_every_host_in_one_command(tmp_path: Path) -> None:
    # First-contact steps 1-4 (docs/testing.md): the agent runs at all (FullLanguage), its answer parses
    # (encoding, no BOM trouble), the RSoP read works, and a read ships less than 25 KB of agent text.
    results = results_of(live_playbook(tmp_path, FACTS), "Proxy facts")
    for host, result in results.items():
        facts = result["ansible_facts"]["windows_proxy"]
        assert result["host_commands"] == 1, host
        assert 0 < result["agent_bytes"] < 25_000, host
        assert isinstance(facts["findings"], list), host
        assert set(facts["effective"]) >= {"delivery_optimization"}, host


SERVICE = """
- name: Live service query
  hosts: all
  gather_facts: false
  tasks:
    - name: Query the WinHTTP auto-proxy service
      proxyfleet.windows.restart_service:
        name: [WinHttpAutoProxySvc]
      check_mode: true
"""


def test_service_part_loads_its_assembly_and_queries(tmp_path: Path) -> None:
    # First-contact step 5: System.ServiceProcess loads by name; check mode only queries.
    results = results_of(live_playbook(tmp_path, SERVICE), "Query the WinHTTP auto-proxy service")
    for host, result in results.items():
        [service] = result["services"]
        assert service["name"].lower() == "winhttpautoproxysvc", host
        assert service.get("before") in {"Running", "Stopped", "StartPending", "StopPending"}, (host, service)
        assert result["changed"] is False or service["restarted"] is True, host


PROBE = """
- name: Live TLS probe
  hosts: all
  gather_facts: false
  tasks:
    - name: Probe one Microsoft endpoint directly
      proxyfleet.windows.proxy_endpoint_check:
        urls:
          - url: https://go.microsoft.com/
        via: [direct]
        timeout: 5
"""


def test_one_tls_probe_reports_a_stage_for_every_route(tmp_path: Path) -> None:
    # First-contact step 8: the tls part runs; whether the lab reaches the Internet is not asserted.
    results = results_of(live_playbook(tmp_path, PROBE), "Probe one Microsoft endpoint directly")
    for host, result in results.items():
        assert result["host_commands"] == 1, host
        assert result["endpoints"], host


CHECK = f"""
- name: Live check mode
  hosts: all
  gather_facts: false
  tasks:
    - name: WinHTTP against a proxy no host has
      proxyfleet.windows.winhttp_proxy:
        proxy: {TEST_PROXY}
        bypass: [<local>]
      check_mode: true
    - name: Again, unchanged
      proxyfleet.windows.winhttp_proxy:
        proxy: {TEST_PROXY}
        bypass: [<local>]
      check_mode: true
"""


def test_check_mode_reports_drift_and_writes_nothing(tmp_path: Path) -> None:
    run = live_playbook(tmp_path, CHECK, "--check")
    first, second = results_of(run, "WinHTTP against a proxy no host has"), results_of(run, "Again, unchanged")
    for host, result in first.items():
        assert result["changed"] is True, host
        assert {entry["setting"] for entry in result["drift"]}, host
        assert result["host_commands"] == 1, host
        assert "backup_id" not in result or result["backup_id"] is None, host
        # Nothing was written: the second check finds the very same state.
        assert second[host]["before"] == result["before"], host


WRITE_PLAY = f"""
- name: Live write, 32-bit WinHTTP view only
  hosts: all
  gather_facts: false
  tasks:
    - name: Original state
      proxyfleet.windows.winhttp_proxy:
        proxy: {TEST_PROXY}
        views: [32]
      check_mode: true
      register: original
    - name: Set the test proxy
      proxyfleet.windows.winhttp_proxy:
        proxy: {TEST_PROXY}
        views: [32]
    - name: Set it again
      proxyfleet.windows.winhttp_proxy:
        proxy: {TEST_PROXY}
        views: [32]
    # `before` shows per-scheme proxies as WinHTTP writes them (http=a:1;https=b:2); the option takes a dict.
    - name: The original proxy as the option takes it
      ansible.builtin.set_fact:
        original_proxy: >-
          {{{{ dict(original.before['32'].proxy.split(';') | map('split', '=') | list)
             if '=' in original.before['32'].proxy else original.before['32'].proxy }}}}
      when: original.before['32'].access_type != 'direct'
    - name: Put the original back
      proxyfleet.windows.winhttp_proxy:
        state: "{{{{ 'absent' if original.before['32'].access_type == 'direct' else 'present' }}}}"
        proxy: "{{{{ omit if original.before['32'].access_type == 'direct' else original_proxy }}}}"
        bypass: "{{{{ omit if original.before['32'].access_type == 'direct' else original.before['32'].bypass }}}}"
        views: [32]
"""


@pytest.mark.skipif(not WRITE, reason="writes to real hosts only with PROXYFLEET_LIVE_WRITE=1 (docs/testing.md)")
def test_write_is_idempotent_and_restorable(tmp_path: Path) -> None:
    run = live_playbook(tmp_path, WRITE_PLAY)
    original = results_of(run, "Original state")
    first, second = results_of(run, "Set the test proxy"), results_of(run, "Set it again")
    restored = results_of(run, "Put the original back")
    for host in original:
        assert first[host]["after"]["32"]["proxy"] == TEST_PROXY, host
        assert first[host]["backup_id"], host
        assert first[host]["host_commands"] == 2, host
        assert second[host]["changed"] is False and second[host]["host_commands"] == 1, host
        before, after = original[host]["before"]["32"], restored[host]["after"]["32"]
        assert (after["access_type"], after["proxy"], after["bypass"]) == (
            before["access_type"],
            before["proxy"],
            before["bypass"],
        ), host
