"""The twin's sms_sysresuse_* and file_* operations, and that the agent says the same things."""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol
from tests.winsim import agent_twin
from tests.winsim.registry import Registry

SCRIPT = "".join(protocol.agent_source(part) for part in protocol.AGENT_PARTS) + protocol.agent_source()
SERVER = "cm01.contoso.com"
CONFIG = (
    "C:\\Program Files (x86)\\Microsoft Endpoint Manager\\AdminConsole\\bin"
    "\\Microsoft.ConfigurationManagement.exe.config"
)


def site_facts() -> dict[str, t.Any]:
    def prop(name: str, value: int = 0, value2: str = "") -> dict[str, t.Any]:
        return {"name": name, "value": value, "value1": "", "value2": value2}

    return {
        "fqdn": SERVER,
        "sms": {
            "site_code": "PS1",
            "instances": [
                {"site_code": "PS1", "server": SERVER, "role": "SMS Site System", "item_name": "x",
                 "props": [prop("UseProxy"), prop("ProxyName", 0, "old.corp.example"), prop("ProxyServerPort", 80)]},
                {"site_code": "PS1", "server": "dp01.contoso.com", "role": "SMS Site System", "item_name": "y",
                 "props": [prop("UseProxy", 1)]},
            ],
        },
        "files": {CONFIG: {"text": "<configuration/>"}},
    }  # fmt: skip


def run(facts: dict[str, t.Any], *operations: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    response = agent_twin.run_request(Registry(), protocol.build_request(list(operations)), facts=facts)
    assert response["ok"], response
    return t.cast("list[dict[str, t.Any]]", response["results"])


def test_read_discovers_site_code_and_this_server() -> None:
    [result] = run(site_facts(), {"op": "sms_sysresuse_read"})
    assert result["site_code"] == "PS1" and result["server"] == SERVER
    assert [i["role"] for i in result["instances"]] == ["SMS Site System"]
    assert result["instances"][0]["network_os_path"] == "\\\\" + SERVER
    assert result["instances"][0]["props"][1] == {
        "name": "ProxyName",
        "value": 0,
        "value1": "",
        "value2": "old.corp.example",
    }


def test_read_without_provider_is_missing() -> None:
    [result] = run({}, {"op": "sms_sysresuse_read", "server": SERVER})
    assert result == {"op": "sms_sysresuse_read", "status": "ok", "site_code": None, "server": SERVER,
                      "instances": [], "missing": "provider"}  # fmt: skip


def write_op(expect_value2: str) -> dict[str, t.Any]:
    return {
        "op": "sms_sysresuse_write", "site_code": "ps1", "server": SERVER,
        "changes": [
            {"role": "SMS Site System", "name": "ProxyName",
             "expect": {"exists": True, "value": 0, "value1": "", "value2": expect_value2},
             "set": {"value": 0, "value1": "", "value2": "proxy.corp.example"}},
            {"role": "SMS Site System", "name": "ProxyUserName", "expect": {"exists": False},
             "set": {"value": 0, "value1": "", "value2": "CONTOSO\\svc-proxy"}},
        ],
    }  # fmt: skip


def test_write_sets_and_adds_properties() -> None:
    facts = site_facts()
    twin = agent_twin.AgentTwin(Registry(), facts=facts)
    [result] = twin.handle(protocol.build_request([write_op("old.corp.example")]))["results"]
    assert result["status"] == "written" and result["committed"] is True and result["site_code"] == "PS1"
    assert [a["current"]["value2"] for a in result["after"]] == ["proxy.corp.example", "CONTOSO\\svc-proxy"]
    assert twin.facts_changed
    props = facts["sms"]["instances"][0]["props"]
    assert [p["name"] for p in props] == ["UseProxy", "ProxyName", "ProxyServerPort", "ProxyUserName"]


def test_write_precondition_failure_writes_nothing() -> None:
    facts = site_facts()
    before = copy.deepcopy(facts)
    [result] = run(facts, write_op("stale.corp.example"))
    assert result == {
        "op": "sms_sysresuse_write", "status": "precondition_failed", "site_code": "PS1", "server": SERVER,
        "failed": [{"index": 0, "role": "SMS Site System", "name": "ProxyName",
                    "current": {"exists": True, "value": 0, "value1": "", "value2": "old.corp.example"}}],
    }  # fmt: skip
    assert facts == before


def test_pending_edit_of_another_admin_lands_between_read_and_write() -> None:
    facts = site_facts()
    facts["sms"]["pending_edits"] = [
        {"role": "SMS Site System", "server": SERVER, "name": "ProxyName",
         "set": {"value": 0, "value1": "", "value2": "other.corp.example"}}
    ]  # fmt: skip
    [read] = run(facts, {"op": "sms_sysresuse_read"})
    assert read["instances"][0]["props"][1]["value2"] == "old.corp.example"
    [result] = run(facts, write_op("old.corp.example"))
    assert result["status"] == "precondition_failed"
    assert result["failed"][0]["current"]["value2"] == "other.corp.example"
    assert "pending_edits" not in facts["sms"]


def test_check_only_change_commits_nothing() -> None:
    change = {"role": "SMS Site System", "name": "UseProxy",
              "expect": {"exists": True, "value": 0, "value1": "", "value2": ""}, "set": None}  # fmt: skip
    [result] = run(
        site_facts(), {"op": "sms_sysresuse_write", "site_code": "PS1", "server": SERVER, "changes": [change]}
    )
    assert result == {"op": "sms_sysresuse_write", "site_code": "PS1", "server": SERVER, "status": "written",
                      "committed": False, "after": []}  # fmt: skip


def test_missing_role_fails_the_precondition() -> None:
    change = {"role": "SMS Software Update Point", "name": "UseProxy", "expect": {"exists": False}, "set": None}
    [result] = run(
        site_facts(), {"op": "sms_sysresuse_write", "site_code": "PS1", "server": SERVER, "changes": [change]}
    )
    assert result["failed"] == [{"index": 0, "role": "SMS Software Update Point", "name": "UseProxy", "current": None}]


@pytest.mark.parametrize(
    ("agent_message", "variables", "op"),
    [
        ("invalid site code '$SiteCode'", {"SiteCode": "PS12"},
         {"op": "sms_sysresuse_read", "site_code": "PS12"}),
        ("invalid server name '$Server'",
         {"Server": "cm 01"}, {"op": "sms_sysresuse_read", "server": "cm 01"}),
        ("invalid $What '$Name'",
         {"What": "role name", "Name": "a/b"},
         {"op": "sms_sysresuse_write", "site_code": "PS1", "server": SERVER,
          "changes": [{"role": "a/b", "name": "x", "expect": {"exists": False}, "set": None}]}),
        ("invalid $Where.value", {"Where": "set"},
         {"op": "sms_sysresuse_write", "site_code": "PS1", "server": SERVER,
          "changes": [{"role": "r", "name": "x", "expect": {"exists": False}, "set": {"value": -1}}]}),
        ("invalid file path '$Path' (expected an absolute local path such as C:\\dir\\file.txt, without empty,"
         " '.' or '..' names)", {"Path": "C:\\a\\..\\b"}, {"op": "file_read", "path": "C:\\a\\..\\b"}),
        ("invalid 'expect.sha256'", {},
         {"op": "file_write", "path": CONFIG, "content": "", "expect": {"exists": True, "sha256": "ABC"},
          "backup": {"id": "b", "keep": 1}}),
    ],
)  # fmt: skip
def test_input_errors_are_the_agents(agent_message: str, variables: dict[str, str], op: dict[str, t.Any]) -> None:
    assert f'throw "{agent_message}"' in SCRIPT
    expected = agent_message
    for variable, value in variables.items():
        expected = expected.replace(f"${variable}", value)
    [result] = run(site_facts(), op)
    prefix = "changes[0]: " if op["op"] == "sms_sysresuse_write" else ""
    assert result == {"op": op["op"], "status": "error", "error": prefix + expected}


def test_file_read_and_write_with_backup_and_pruning() -> None:
    facts = site_facts()
    [read] = run(facts, {"op": "file_read", "path": CONFIG.upper()})
    assert base64.b64decode(read["content"]) == b"<configuration/>"
    assert read["sha256"] == hashlib.sha256(b"<configuration/>").hexdigest() and read["length"] == 16
    sha = read["sha256"]
    for number in range(3):
        new = f"<configuration>{number}</configuration>".encode()
        write = {"op": "file_write", "path": CONFIG, "content": base64.b64encode(new).decode(),
                 "expect": {"exists": True, "sha256": sha}, "backup": {"id": f"2026-{number}", "keep": 2}}  # fmt: skip
        [result] = run(facts, write)
        assert result["status"] == "written" and result["backup_id"] == f"2026-{number}"
        assert (
            result["backup_path"]
            == f"C:\\ProgramData\\proxyfleet\\FileBackups\\2026-{number}\\Microsoft.ConfigurationManagement.exe.config"
        )
        sha = result["sha256"]
    backups = sorted(name for name in facts["files"] if "FileBackups" in name)
    assert [name.split("\\")[4] for name in backups] == ["2026-1", "2026-1", "2026-2", "2026-2"]
    [stale] = run(facts, {**write, "expect": {"exists": True, "sha256": "0" * 64}})
    assert stale == {"op": "file_write", "status": "precondition_failed", "path": CONFIG,
                     "current": {"exists": True, "sha256": sha}}  # fmt: skip


def test_the_agent_checks_paths_with_the_twins_pattern() -> None:
    found = re.search(r"^\$FilePathPattern = '([^']*)'$", SCRIPT, re.M)
    assert found
    from tests.winsim import agent_twin_sms_files

    assert found.group(1) == "^" + agent_twin_sms_files.FILE_PATH.pattern + "\\z"


def test_every_site_control_session_is_released() -> None:
    # ReleaseSessionHandle runs in `finally` after every successful GetSessionHandle (and after a failed refresh).
    # Close-ScfSession returns its error instead of throwing (issue 18.4): the result is kept, never output.
    assert SCRIPT.count("$session = Open-ScfSession $siteCode") == 2
    assert SCRIPT.count("} finally { $released = Close-ScfSession $session }") == 1
    assert "    } finally {\n        $released = Close-ScfSession $session\n" in SCRIPT
    assert "catch { $released = Close-ScfSession $session; throw }" in SCRIPT


def test_wmi_options_get_the_context_by_property() -> None:
    # New-Object would enumerate a ManagementNamedValueCollection argument into its keys.
    assert not re.search(r"New-Object System\.Management\.\w*Options\(", SCRIPT)
    for options in ("$options", "$getOptions", "$putOptions", "$enumeration"):
        assert f"{options}.Context = $" in SCRIPT, options


def test_session_handle_is_the_context_value_the_sdk_names() -> None:
    assert "[void]$context.Add('SessionHandle', [string]$out['SessionHandle'])" in SCRIPT
    for method in ("'GetSessionHandle'", "'RefreshSCF'", "'CommitSCF'", "'ReleaseSessionHandle'"):
        assert method in SCRIPT


# ---------------------------------------------------------------------------------------------
# Several SMS Providers; steps after the commit (issue 18.4)


def test_a_site_with_several_sms_providers_is_one_site() -> None:
    facts = site_facts()
    facts["sms"]["providers"] = [
        {"site_code": "PS1", "machine": "cm01.contoso.com", "local": True},
        {"site_code": "ps1", "machine": "cm02.contoso.com", "local": True},
        {"site_code": "CAS", "machine": "cas.contoso.com", "local": False},
    ]
    [result] = run(facts, {"op": "sms_sysresuse_read"})
    assert result["site_code"] == "PS1" and len(result["instances"]) == 1


def test_providers_of_two_sites_are_ambiguous() -> None:
    facts = site_facts()
    facts["sms"]["providers"] = [{"site_code": "PS1", "local": True}, {"site_code": "PS2", "local": True}]
    [result] = run(facts, {"op": "sms_sysresuse_read"})
    message = "root\\SMS names 2 sites with ProviderForLocalSite = true (PS1, PS2): give the site code"
    assert result == {"op": "sms_sysresuse_read", "status": "error", "error": message}
    agent_message = (
        "root\\SMS names $($codes.Count) sites with ProviderForLocalSite = true ($($codes -join ', ')): give the"
        " site code"
    )
    assert f'throw "{agent_message}"' in SCRIPT


def test_a_committed_write_stays_written_when_read_back_and_release_fail() -> None:
    facts = site_facts()
    facts["sms"]["faults"] = {"readback": "Generic failure ", "release": "Access denied "}
    [result] = run(facts, write_op("old.corp.example"))
    assert result == {
        "op": "sms_sysresuse_write", "status": "written", "site_code": "PS1", "server": SERVER, "committed": True,
        "after": None, "after_error": "Generic failure ", "release_error": "Access denied ",
    }  # fmt: skip
    assert facts["sms"]["instances"][0]["props"][1]["value2"] == "proxy.corp.example"
    # The agent: after CommitSCF the read back is caught, and the release only reported.
    assert "} catch { $result['after_error'] = Get-ErrorMessage $_ }" in SCRIPT
    assert "$result['release_error'] = $released" in SCRIPT
