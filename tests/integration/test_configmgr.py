"""configmgr_proxy, configmgr_console_proxy and the configmgr_site_server role end to end.

Real ansible-playbook over real WinRM against simulated site servers (tests/configmgr_hosts.py): the
SMS Provider's site control data and the console's configuration file live in each host's facts file,
which the simulator saves after every write. Host command counts per task are asserted (and so
recorded): check 1, apply 2, idempotent re-run 1 for the site proxy; the console costs one more
command for discovering its folder.
"""

from __future__ import annotations

import base64
import codecs
import copy
import json
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._configmgr_site import SUP_NEEDS_PROXY
from tests import configmgr_hosts as cm
from tests.integration.conftest import Fleet
from tests.simfleet import RunningFleet

TASK = "ConfigMgr task"


@pytest.fixture
def cm_fleet(tmp_path: Path) -> Iterator[Fleet]:
    fleet_dir = tmp_path / "fleet"
    names = cm.write_hosts(fleet_dir)
    with RunningFleet(fleet_dir, tmp_path) as running:
        yield Fleet(running, tmp_path, names)


def facts(fleet: Fleet, host: str) -> dict[str, t.Any]:
    return t.cast("dict[str, t.Any]", json.loads((fleet.running.fleet_dir / f"{host}.json").read_text("utf-8")))


def file_bytes(fleet: Fleet, host: str, path: str) -> bytes:
    entry = facts(fleet, host)["files"][path]
    return base64.b64decode(entry["base64"]) if "base64" in entry else str(entry["text"]).encode("utf-8")


def play(module: str, args: str) -> str:
    body = "".join(f"        {line}\n" for line in args.strip().splitlines())
    return f"""
- name: ConfigMgr
  hosts: windows
  gather_facts: false
  tasks:
    - name: {TASK}
      proxyfleet.windows.{module}:
{body}"""


def run_task(fleet: Fleet, body: str, *args: str, limit: str) -> dict[str, t.Any]:
    run = fleet.playbook(body, *args, limit=limit)
    [entry] = run.for_task(TASK).values()
    return t.cast("dict[str, t.Any]", entry["result"] | {"status": entry["status"]})


def commands_on(fleet: Fleet, host: str) -> int:
    return sum(1 for entry in fleet.running.commands() if entry.get("host") == host)


SITE_ARGS = """
proxy_server: proxy.contoso.com
port: 8080
account: CONTOSO\\svc-cmproxy
software_update_point:
  use_proxy: true
  use_proxy_for_adr: true
"""


def test_site_proxy_check_apply_idempotent(cm_fleet: Fleet) -> None:
    original = facts(cm_fleet, "cm01")
    body = play("configmgr_proxy", SITE_ARGS)

    check = run_task(cm_fleet, body, "--check", limit="cm01")
    assert check["status"] == "changed"
    assert check["drift"] == [
        {"setting": "site_system.use_proxy", "current": False, "desired": True},
        {"setting": "site_system.proxy_server", "current": None, "desired": "proxy.contoso.com"},
        {"setting": "site_system.port", "current": 80, "desired": 8080},
        {"setting": "site_system.account", "current": None, "desired": "CONTOSO\\svc-cmproxy"},
        {"setting": "software_update_point.use_proxy", "current": False, "desired": True},
        {"setting": "software_update_point.use_proxy_for_adr", "current": False, "desired": True},
    ]
    assert check["host_commands"] == 1
    assert facts(cm_fleet, "cm01") == original, "check mode must not write"

    apply = run_task(cm_fleet, body, "--diff", limit="cm01")
    assert apply["status"] == "changed" and apply["host_commands"] == 2
    assert apply["after"] == {
        "site_code": "PS1", "server": "cm01.contoso.com", "use_proxy": True, "proxy_server": "proxy.contoso.com",
        "port": 8080, "account": "CONTOSO\\svc-cmproxy",
        "software_update_point": {"use_proxy": True, "use_proxy_for_adr": True},
    }  # fmt: skip
    assert apply["diff"]["before"]["use_proxy"] is False
    expected = copy.deepcopy(original)
    site, sup = expected["sms"]["instances"][0]["props"], expected["sms"]["instances"][1]["props"]
    site[4]["value"], site[5]["value2"], site[6]["value"] = 1, "proxy.contoso.com", 8080
    site[7]["value"], site[8]["value2"] = 0, "CONTOSO\\svc-cmproxy"
    sup[2]["value"], sup[3]["value"] = 1, 1
    # Exactly the managed properties changed; the management point and dp01 are untouched.
    assert facts(cm_fleet, "cm01") == expected

    again = run_task(cm_fleet, body, limit="cm01")
    assert again["status"] == "ok" and again["changed"] is False and again["drift"] == []
    assert again["host_commands"] == 1
    assert commands_on(cm_fleet, "cm01") == 4


def test_state_absent_turns_proxy_and_sup_flags_off(cm_fleet: Fleet) -> None:
    run_task(cm_fleet, play("configmgr_proxy", SITE_ARGS), limit="cm01")
    absent = run_task(cm_fleet, play("configmgr_proxy", "state: absent"), limit="cm01")
    assert absent["status"] == "changed" and absent["host_commands"] == 2
    assert absent["after"] == {
        "site_code": "PS1", "server": "cm01.contoso.com", "use_proxy": False, "proxy_server": None, "port": 80,
        "account": None, "software_update_point": {"use_proxy": False, "use_proxy_for_adr": False},
    }  # fmt: skip
    assert facts(cm_fleet, "cm01")["sms"] == cm.hosts()["cm01"][1]["sms"]


def test_remote_server_of_the_site(cm_fleet: Fleet) -> None:
    result = run_task(
        cm_fleet, play("configmgr_proxy", "server: dp01.contoso.com\nsite_code: ps1\nuse_proxy: false"), limit="cm01"
    )
    assert result["status"] == "changed"
    assert result["drift"] == [{"setting": "site_system.use_proxy", "current": True, "desired": False}]
    [_site, _sup, _mp, dp01] = facts(cm_fleet, "cm01")["sms"]["instances"]
    assert [p for p in dp01["props"] if p["name"] in ("UseProxy", "ProxyName")] == [
        cm.prop("UseProxy", 0),
        cm.prop("ProxyName", 0, "", "old-proxy.contoso.com"),
    ]


def test_another_admin_changes_the_data_between_read_and_write(cm_fleet: Fleet) -> None:
    body = play("configmgr_proxy", "proxy_server: new-proxy.contoso.com\nport: 8080")
    result = run_task(cm_fleet, body, limit="cm03")
    assert result["status"] == "failed" and result["host_commands"] == 2
    assert result["msg"] == (
        "the site control data of cm03.contoso.com (site PS3) changed between read and write, probably by another"
        " administrator; nothing was written. Changed: SMS Site System ProxyName: read Value=0, Value1='',"
        " Value2='old-proxy.contoso.com', now Value=0, Value1='', Value2='other-admin.contoso.com'."
        " Run the task again to plan against the current data."
    )
    props = {p["name"]: p for p in facts(cm_fleet, "cm03")["sms"]["instances"][0]["props"]}
    # Only the other administrator's change is there: our port was not written.
    assert props["ProxyName"]["value2"] == "other-admin.contoso.com" and props["ProxyServerPort"]["value"] == 3128
    rerun = run_task(cm_fleet, body, limit="cm03")
    assert rerun["status"] == "changed"
    assert rerun["drift"] == [
        {
            "setting": "site_system.proxy_server",
            "current": "other-admin.contoso.com",
            "desired": "new-proxy.contoso.com",
        },
        {"setting": "site_system.port", "current": 3128, "desired": 8080},
    ]


def test_sup_flags_without_site_proxy_fail_before_any_host_command(cm_fleet: Fleet) -> None:
    body = play("configmgr_proxy", "use_proxy: false\nsoftware_update_point:\n  use_proxy: true")
    result = run_task(cm_fleet, body, limit="cm02")
    assert result["status"] == "failed" and result["msg"] == SUP_NEEDS_PROXY
    assert SUP_NEEDS_PROXY == (
        "software_update_point.use_proxy and software_update_point.use_proxy_for_adr can only be true when the site"
        " system server uses a proxy (use_proxy: true with proxy_server), as the ConfigMgr console enforces"
    )
    assert commands_on(cm_fleet, "cm02") == 0


def test_sup_flags_without_site_proxy_fail_after_the_read(cm_fleet: Fleet) -> None:
    original = facts(cm_fleet, "cm02")
    result = run_task(
        cm_fleet, play("configmgr_proxy", "software_update_point:\n  use_proxy_for_adr: true"), limit="cm02"
    )
    assert result["status"] == "failed" and result["host_commands"] == 1
    assert result["msg"] == SUP_NEEDS_PROXY + "; cm02.contoso.com (site PS2) has none"
    assert facts(cm_fleet, "cm02") == original


def test_host_without_sms_provider(cm_fleet: Fleet) -> None:
    result = run_task(cm_fleet, play("configmgr_proxy", "proxy_server: proxy.contoso.com"), limit="srv01")
    assert result["status"] == "failed" and result["host_commands"] == 1
    assert result["msg"].startswith("this host has no SMS Provider (WMI namespace root\\SMS is missing)")


def test_bad_input_names_the_option_without_host_command(cm_fleet: Fleet) -> None:
    result = run_task(cm_fleet, play("configmgr_proxy", "proxy_server: http://proxy:8080"), limit="cm01")
    assert result["status"] == "failed"
    assert result["msg"] == (
        "proxy_server must be a host name, FQDN, IPv4 or IPv6 address without scheme or port (the port goes in"
        " port), such as proxy.contoso.com; got 'http://proxy:8080'"
    )
    assert commands_on(cm_fleet, "cm01") == 0


WORKSTATION_PATH = cm.WORKSTATION_CONSOLE + cm.CONFIG_NAME


def test_console_check_apply_idempotent_keeps_every_other_byte(cm_fleet: Fleet) -> None:
    body = play("configmgr_console_proxy", "ignore_missing: false")
    check = run_task(cm_fleet, body, "--check", limit="ws01")
    assert check["changed"] is True and check["host_commands"] == 2 and check["path"] == WORKSTATION_PATH
    assert check["drift"] == [
        {"setting": "console.default_proxy", "current": False, "desired": True},
        {"setting": "console.proxy_element", "current": False, "desired": True},
        {"setting": "console.proxy_usesystemdefault", "current": None, "desired": "False"},
    ]
    assert file_bytes(cm_fleet, "ws01", WORKSTATION_PATH) == cm.WORKSTATION_CONFIG

    apply = run_task(cm_fleet, body, limit="ws01")
    assert apply["status"] == "changed" and apply["host_commands"] == 3
    inserted = b'\r\n    <defaultProxy>\r\n      <proxy usesystemdefault="False"/>\r\n    </defaultProxy>'
    anchor = cm.WORKSTATION_CONFIG.index(b"<system.net>\r\n    <settings>") + len(b"<system.net>")
    expected = cm.WORKSTATION_CONFIG[:anchor] + inserted + cm.WORKSTATION_CONFIG[anchor:]
    assert expected.startswith(codecs.BOM_UTF8)
    assert file_bytes(cm_fleet, "ws01", WORKSTATION_PATH) == expected
    backup = (
        f"C:\\ProgramData\\proxyfleet\\FileBackups\\{apply['backup_id']}\\Microsoft.ConfigurationManagement.exe.config"
    )
    assert apply["backup_path"] == backup
    assert file_bytes(cm_fleet, "ws01", backup) == cm.WORKSTATION_CONFIG

    again = run_task(cm_fleet, body, limit="ws01")
    assert again["changed"] is False and again["drift"] == [] and again["host_commands"] == 2


def test_console_on_site_server_with_path_given(cm_fleet: Fleet) -> None:
    path = cm.SITE_SERVER_CONSOLE + cm.CONFIG_NAME
    result = run_task(cm_fleet, play("configmgr_console_proxy", f"path: '{path}'"), limit="cm01")
    assert result["status"] == "changed" and result["host_commands"] == 2
    assert file_bytes(cm_fleet, "cm01", path) == cm.SITE_SERVER_CONFIG.replace(
        b"usesystemdefault='True'", b"usesystemdefault='False'"
    )


def test_console_missing(cm_fleet: Fleet) -> None:
    skipped = run_task(cm_fleet, play("configmgr_console_proxy", "ignore_missing: true"), limit="srv01")
    assert skipped["status"] == "ok" and skipped["console_installed"] is False and skipped["host_commands"] == 1
    failed = run_task(cm_fleet, play("configmgr_console_proxy", "ignore_missing: false"), limit="srv01")
    assert failed["status"] == "failed"
    assert failed["msg"].startswith("the ConfigMgr console is not installed on this host: no 'UI Installation")


ROLE_PLAY = """
- name: Site servers
  hosts: windows
  gather_facts: false
  roles:
    - role: proxyfleet.windows.configmgr_site_server
      vars:
        configmgr_site_server_proxy_server: proxy.contoso.com
        configmgr_site_server_port: 8080
        configmgr_site_server_software_update_point:
          use_proxy: true
          use_proxy_for_adr: true
"""


def role_results(run: t.Any) -> dict[str, dict[str, t.Any]]:
    """The role's task results by task name (the argument spec validation included, as "validate")."""
    results = {entry["task"].split(" : ")[-1]: entry for entry in run.results}
    return {("validate" if name.startswith("Validating arguments") else name): entry for name, entry in results.items()}


def test_role_check_apply_idempotent(cm_fleet: Fleet) -> None:
    original = facts(cm_fleet, "cm01")
    check = cm_fleet.playbook(ROLE_PLAY, "--check", limit="cm01")
    assert check.rc == 0, check.stdout + check.stderr
    tasks = role_results(check)
    assert tasks["Site system server proxy and software update point flags"]["result"]["changed"] is True
    assert tasks["Console ignores the system proxy where a console is installed"]["result"]["changed"] is True
    assert tasks["Read the site system proxy back"]["status"] == "skipped"
    assert facts(cm_fleet, "cm01") == original

    apply = cm_fleet.playbook(ROLE_PLAY, limit="cm01")
    assert apply.rc == 0, apply.stdout + apply.stderr
    tasks = role_results(apply)
    assert tasks["Site system server proxy and software update point flags"]["result"]["host_commands"] == 2
    assert tasks["Console ignores the system proxy where a console is installed"]["result"]["host_commands"] == 3
    assert tasks["Read the site system proxy back"]["result"]["drift"] == []
    assert tasks["The site control data matches what was set"]["status"] == "ok"

    again = cm_fleet.playbook(ROLE_PLAY, limit="cm01")
    assert again.rc == 0
    statuses = {name: entry["status"] for name, entry in role_results(again).items()}
    assert statuses == {
        "validate": "ok",
        "Site system server proxy and software update point flags": "ok",
        "Console ignores the system proxy where a console is installed": "ok",
        "Read the site system proxy back": "skipped",
        "The site control data matches what was set": "skipped",
    }
    # Host commands of the idempotent run: 1 for the site proxy, 2 for the console.
    assert commands_on(cm_fleet, "cm01") == 3 + 2 + 3 + 1 + 1 + 2
