"""Tests for tests.winsim.host and tests.winsim.fleet: the command gate, stdout/stderr, saving, the fleet."""

from __future__ import annotations

import base64
import codecs
import json
import threading
import typing as t
from pathlib import Path

import pytest

from tests.winsim.agent_twin import BACKUP_ROOT, load_protocol
from tests.winsim.fleet import Fleet
from tests.winsim.host import ExecResult, SimHost, known_agent
from tests.winsim.regfile import Value
from tests.winsim.registry import Registry

P = load_protocol()
CONN = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
DIRECT = bytes.fromhex("1800000000000000010000000000000000000000")
BACKUP_ID = "20261123T103000123456Z-1a2b3c4d"
ONLY = "this simulator only runs proxyfleet.windows' host agent"
ARGS = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Unrestricted", "-EncodedCommand"]

READ: dict[str, t.Any] = {"op": "read", "keys": [{"hive": "HKLM", "path": CONN, "view": 64}]}
APPLY: dict[str, t.Any] = {
    "op": "apply",
    "backup": {"id": BACKUP_ID, "keep": 20},
    "changes": [
        {"action": "set_value", "hive": "HKLM", "path": CONN, "view": 32, "name": "WinHttpSettings",
         "type": "binary", "data": base64.b64encode(DIRECT).decode(), "expect": {"exists": False}},
    ],
}  # fmt: skip


def stdin_for(*ops: dict[str, t.Any]) -> bytes:
    data: bytes = P.build_stdin(P.build_request(list(ops)))
    return data


def make_host(tmp_path: Path, name: str = "ws-001") -> SimHost:
    registry = Registry()
    registry.set_value("HKLM", CONN, "WinHttpSettings", Value(3, DIRECT))
    path = tmp_path / f"{name}.reg"
    registry.save(path)
    return SimHost.load(path, tmp_path / f"{name}.json")


def run_ok(host: SimHost, stdin: bytes, command: str = P.BOOTSTRAP_COMMAND_LINE, arguments: list[str] | None = None,
           **kwargs: t.Any) -> dict[str, t.Any]:  # fmt: skip
    result = host.execute(command, arguments or [], stdin, **kwargs)
    assert (result.exit_code, result.stderr) == (0, b""), result
    assert result.stdout.endswith(b"}\r\n")
    response: dict[str, t.Any] = json.loads(result.stdout.decode("utf-8"))
    return response


# ---------------------------------------------------------------------------------------------
# Command-line recognition


def test_ansible_221_shape_whole_command_line_no_arguments(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    command = P.POWERSHELL_PREFIX + P.encode_powershell(P.BOOTSTRAP_SCRIPT)
    response = run_ok(host, stdin_for(READ), command, [])
    assert response["ok"] is True
    assert response["results"][0]["keys"][0]["values"] == [
        {"name": "WinHttpSettings", "type": "binary", "data": base64.b64encode(DIRECT).decode()}
    ]


def test_older_shape_powershell_wrapped_once_more(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    arguments = [*ARGS, P.encode_powershell(P.BOOTSTRAP_COMMAND_LINE)]
    assert run_ok(host, stdin_for(READ), "PowerShell", arguments)["ok"] is True


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("powershell.exe", [" ".join([*ARGS, P.encode_powershell(P.BOOTSTRAP_COMMAND_LINE)])]),
        ("POWERSHELL -noprofile  -NONINTERACTIVE -executionpolicy unrestricted -encodedcommand "
         + P.encode_powershell(P.BOOTSTRAP_SCRIPT), []),
    ],
)  # fmt: skip
def test_executable_and_options_are_case_insensitive(tmp_path: Path, command: str, arguments: list[str]) -> None:
    assert run_ok(make_host(tmp_path), stdin_for(READ), command, arguments)["ok"] is True


def test_stdin_split_into_lines_is_joined(tmp_path: Path) -> None:
    line = stdin_for(READ).decode("ascii").strip()
    cut = line.index('"request"')
    split = f"{line[:cut]}\r\n  {line[cut:cut + 20]}\r\n{line[cut + 20:]}\r\n".encode()  # fmt: skip
    assert run_ok(make_host(tmp_path), split)["ok"] is True


def rejected(host: SimHost, command: str, arguments: list[str], stdin: bytes) -> str:
    result = host.execute(command, arguments, stdin)
    assert result.exit_code == 1
    assert result.stdout == b""
    assert result.stderr.endswith(b"\r\n")
    assert result.stderr.count(b"\n") == 1
    return result.stderr.decode("utf-8").removesuffix("\r\n")


def test_rejects_other_commands(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    assert rejected(host, "ipconfig", [], b"") == (
        f"winsim: command is not the proxyfleet.windows agent bootstrap ('ipconfig'): {ONLY}"
    )
    assert rejected(host, "cmd.exe", ["/c", "dir"], b"") == (
        f"winsim: command is not the proxyfleet.windows agent bootstrap ('cmd.exe /c dir'): {ONLY}"
    )


def test_rejects_other_encoded_scripts_showing_the_decoded_text(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    command = P.POWERSHELL_PREFIX + P.encode_powershell("Get-ChildItem C:\\")
    assert rejected(host, command, [], stdin_for(READ)) == (
        f"winsim: command is not the proxyfleet.windows agent bootstrap ('Get-ChildItem C:\\\\'): {ONLY}"
    )
    long_script = "&chcp.com 65001 > $null\n" + "x" * 200
    arguments = [*ARGS, P.encode_powershell(P.POWERSHELL_PREFIX + P.encode_powershell(long_script))]
    shown = repr(long_script[:77] + "...")
    assert rejected(host, "PowerShell", arguments, b"") == (
        f"winsim: command is not the proxyfleet.windows agent bootstrap ({shown}): {ONLY}"
    )


def test_rejects_undecodable_encoded_command_as_received(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    command = P.POWERSHELL_PREFIX + "@@@"
    assert rejected(host, command, [], b"") == (
        f"winsim: command is not the proxyfleet.windows agent bootstrap ({command[:77] + '...'!r}): {ONLY}"
    )
    assert rejected(host, "PowerShell -EncodedCommand @@@", [], b"") == (
        f"winsim: command is not the proxyfleet.windows agent bootstrap ('PowerShell -EncodedCommand @@@'): {ONLY}"
    )


def test_rejects_unknown_agent_text(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    version, sha = known_agent()
    other = P.build_stdin(P.build_request([READ]), script="Write-Output 'hi'")
    other_sha = P.agent_sha256("Write-Output 'hi'")
    assert rejected(host, P.BOOTSTRAP_COMMAND_LINE, [], other) == (
        f"winsim: unknown agent (version {P.AGENT_VERSION}, sha256 {other_sha[:12]}...; "
        f"expected version {version}, sha256 {sha[:12]}...): {ONLY}"
    )


def test_rejects_wrong_agent_version(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    version, sha = known_agent()
    request = {**P.build_request([READ]), "agent_version": "0.0.9"}
    # A read ships the core without its apply region: another known form of the same agent.
    sent = P.agent_sha256(P.agent_script(with_apply=False))
    assert rejected(host, P.BOOTSTRAP_COMMAND_LINE, [], P.build_stdin(request)) == (
        f"winsim: unknown agent (version 0.0.9, sha256 {sent[:12]}...; "
        f"expected version {version}, sha256 {sha[:12]}...): {ONLY}"
    )


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"", f'winsim: no agent on stdin (expected one JSON line {{"agent": ..., "request": ...}}): {ONLY}'),
        (b"\r\n \r\n", f'winsim: no agent on stdin (expected one JSON line {{"agent": ..., "request": ...}}): {ONLY}'),
        (b"hello\r\n", f"winsim: stdin is not an agent request ('hello'): {ONLY}"),
        (b'{"request": {}}', f"winsim: stdin is not an agent request ('{{\"request\": {{}}}}'): {ONLY}"),
        (b"\xff\xfe", f"winsim: stdin is not UTF-8 (\"b'\\\\xff\\\\xfe'\"): {ONLY}"),
    ],
)
def test_rejects_bad_stdin(tmp_path: Path, stdin: bytes, message: str) -> None:
    assert rejected(make_host(tmp_path), P.BOOTSTRAP_COMMAND_LINE, [], stdin) == message


def test_known_agent_is_the_repository_agent() -> None:
    assert known_agent() == (P.AGENT_VERSION, P.agent_sha256(P.agent_script()))


# ---------------------------------------------------------------------------------------------
# Responses, saving, log


def test_request_level_error_is_exit_0_with_ok_false(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    response = run_ok(host, stdin_for({"op": "format_c"}))
    assert response == {
        "protocol": 1, "agent_version": P.AGENT_VERSION, "ok": False, "results": [],
        "error": "unknown operation 'format_c' at operations[0] (expected read, apply, wmi_query, service,"
        " sms_sysresuse_read, sms_sysresuse_write, file_read, file_write or tls_probe)",
    }  # fmt: skip


def test_apply_saves_the_reg_file_atomically_in_regedit_format(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    response = run_ok(host, stdin_for(APPLY, READ))
    assert [r["status"] for r in response["results"]] == ["applied", "ok"]
    data = (tmp_path / "ws-001.reg").read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE + b"W\0i\0n\0")
    assert data == host.registry.dumps()
    reloaded = Registry.load(tmp_path / "ws-001.reg")
    assert reloaded == host.registry
    assert reloaded.get_value("HKLM", CONN, "WinHttpSettings", view=32) == Value(3, DIRECT)
    assert reloaded.key_exists("HKLM", f"{BACKUP_ROOT}\\{BACKUP_ID}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws-001.reg"]


def test_read_and_failed_preconditions_do_not_touch_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ws-002.reg"
    text = 'Windows Registry Editor Version 5.00\n\n[HKLM\\SOFTWARE\\X]\n"a"=dword:1\n'
    path.write_text(text, encoding="utf-8")  # not regedit's encoding: a rewrite would show
    host = SimHost.load(path)
    run_ok(host, stdin_for(READ))
    bad = {**APPLY, "changes": [{**APPLY["changes"][0], "expect": {"exists": True, "type": "dword", "data": 1}}]}
    assert run_ok(host, stdin_for(bad))["results"][0]["status"] == "precondition_failed"
    assert path.read_text(encoding="utf-8") == text


def test_write_failure_rolls_back_and_saves(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    before = host.registry.snapshot()
    [result] = run_ok(host, stdin_for(APPLY), fail_write_at=1)["results"]
    assert (result["status"], result["stage"], result["rollback"]) == ("failed", "write", {"ok": True})
    saved = Registry.load(tmp_path / "ws-001.reg")
    assert saved == host.registry
    saved.delete_key("HKLM", "SOFTWARE\\proxyfleet")
    assert saved == before


def test_rollback_failure_hook(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    two = {**APPLY, "changes": [*APPLY["changes"], {**APPLY["changes"][0], "view": 64, "name": "Other"}]}
    [result] = run_ok(host, stdin_for(two), fail_write_at=2, fail_rollback=True)["results"]
    assert result["rollback"]["ok"] is False


def test_log_record(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    result = host.execute(P.BOOTSTRAP_COMMAND_LINE, [], stdin_for(READ, APPLY))
    assert isinstance(result, ExecResult)
    assert result.log == {
        "host": "ws-001",
        "agent_version": P.AGENT_VERSION,
        "protocol": 1,
        "operations": [
            {"op": "read"},
            {"op": "apply", "changes": [
                {"action": "set_value", "hive": "HKLM", "path": CONN, "view": 32, "name": "WinHttpSettings"}]},
        ],
        "ok": True,
        "results": ["ok", "applied"],
        "exit_code": 0,
    }  # fmt: skip
    rejected_log = host.execute("ipconfig", [], b"").log
    assert rejected_log == {
        "host": "ws-001", "agent_version": None, "protocol": None, "operations": [], "results": [],
        "exit_code": 1,
        "stderr": f"winsim: command is not the proxyfleet.windows agent bootstrap ('ipconfig'): {ONLY}",
    }  # fmt: skip
    error_log = host.execute(P.BOOTSTRAP_COMMAND_LINE, [], stdin_for({"op": "x"})).log
    assert error_log["error"] == (
        "unknown operation 'x' at operations[0] (expected read, apply, wmi_query, service, sms_sysresuse_read,"
        " sms_sysresuse_write, file_read, file_write or tls_probe)"
    )
    assert error_log["ok"] is False


def test_wmi_query_answers_from_the_host_facts_file_and_is_logged(tmp_path: Path) -> None:
    rows = [{"id": "cn={X},cn=policies,cn=system,DC=contoso,DC=com", "name": "Contoso MDE proxy", "guidName": "{X}"}]
    (tmp_path / "ws-001.json").write_text(json.dumps({"wmi": {"root\\rsop\\computer": {"RSOP_GPO": rows}}}), "utf-8")
    host = make_host(tmp_path)
    saved = (tmp_path / "ws-001.reg").stat().st_mtime_ns
    query = {"op": "wmi_query", "namespace": "root\\rsop\\computer", "class": "RSOP_GPO", "properties": ["name"]}
    result = host.execute(P.BOOTSTRAP_COMMAND_LINE, [], stdin_for(query, {**query, "class": "RSOP_Nothing"}))
    assert json.loads(result.stdout)["results"] == [
        {"op": "wmi_query", "status": "ok", "instances": [{"name": "Contoso MDE proxy"}]},
        {"op": "wmi_query", "status": "ok", "instances": [], "missing": "class"},
    ]
    assert result.log["operations"] == [
        {"op": "wmi_query", "namespace": "root\\rsop\\computer", "class": "RSOP_GPO"},
        {"op": "wmi_query", "namespace": "root\\rsop\\computer", "class": "RSOP_Nothing"},
    ]
    assert result.log["results"] == ["ok", "ok"]
    assert (tmp_path / "ws-001.reg").stat().st_mtime_ns == saved  # a query never rewrites the .reg file


def test_commands_are_serialised_per_host(tmp_path: Path) -> None:
    host = make_host(tmp_path)
    outputs: list[bytes] = []

    def worker(index: int) -> None:
        op = {**APPLY, "backup": {"id": f"20261123T1030{index:02d}000000Z-00000000", "keep": 20},
              "changes": [{**APPLY["changes"][0], "name": f"V{index}"}]}  # fmt: skip
        outputs.append(host.execute(P.BOOTSTRAP_COMMAND_LINE, [], stdin_for(op)).stdout)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [json.loads(o)["results"][0]["status"] for o in outputs] == ["applied"] * 8
    assert host.command_count == 8
    assert len(host.registry.subkey_names("HKLM", BACKUP_ROOT)) == 8
    assert Registry.load(tmp_path / "ws-001.reg") == host.registry


# ---------------------------------------------------------------------------------------------
# Fleet


def test_fleet_load_get_names_facts_and_counts(tmp_path: Path) -> None:
    make_host(tmp_path, "ws-001")
    (tmp_path / "ws-002.reg").write_text("Windows Registry Editor Version 5.00\r\n\r\n[HKLM\\SOFTWARE\\A]\r\n", "utf-8")
    (tmp_path / "ws-002.json").write_text(json.dumps({"os_build": "26100"}), "utf-8")
    (tmp_path / "orphan.json").write_text("{}", "utf-8")
    fleet = Fleet.load(tmp_path)
    assert fleet.names() == ["ws-001", "ws-002"]
    assert len(fleet) == 2
    assert "ws-002" in fleet
    assert fleet.get("orphan") is None
    assert fleet.get("WS-001") is None  # names match exactly, as the URL path does
    host = fleet.get("ws-002")
    assert host is not None
    assert host.facts == {"os_build": "26100"}
    assert host.reg_path == tmp_path / "ws-002.reg"
    assert host.registry.key_exists("HKLM", r"SOFTWARE\A")
    assert fleet.get("ws-001").facts == {}  # type: ignore[union-attr]
    host.execute("ipconfig", [], b"")
    host.execute(P.BOOTSTRAP_COMMAND_LINE, [], stdin_for(READ))
    assert (fleet.command_count("ws-002"), fleet.command_count("ws-001"), fleet.command_count("nope")) == (2, 0, 0)
    assert fleet.total_commands() == 2
    assert [h.name for h in fleet] == ["ws-001", "ws-002"]


def test_fleet_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Fleet.load(tmp_path / "missing")
    (tmp_path / "bad.reg").write_text("hello\n", "utf-8")
    with pytest.raises(ValueError, match="line 1: expected"):
        Fleet.load(tmp_path)
    with pytest.raises(ValueError, match="duplicate simulated host 'a'"):
        Fleet([SimHost("a"), SimHost("a")])
