"""The host session against the simulated host's command gate: encoding, language mode, agent parts.

Each test sends the real command line and stdin through :class:`tests.winsim.host.SimHost` (the same
gate and twin the WinRM simulator runs) and decodes stdout the way Ansible's winrm connection does
(UTF-8), so what is asserted is what a task would see.
"""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import (
    AgentError,
    HostSession,
    parse_response,
)
from tests.winsim.host import SimHost
from tests.winsim.regfile import Value
from tests.winsim.registry import Registry

KEY = {"hive": "HKLM", "path": "SOFTWARE\\proxyfleet-test", "view": 64}
# Non-ASCII in both directions: Latin-1, a BMP symbol, a character outside the BMP (a surrogate pair
# in the agent's \u escapes) and a right-to-left mark.
TEXT = "Büro-Proxy für Zürich ✓ \U0001d518 \u200f"
GPO = "Proxy-Richtlinie für Büros"


def session_on(
    host: SimHost, garble: t.Callable[[str], str] = lambda text: text, **faults: t.Any
) -> tuple[HostSession, list[str]]:
    sent: list[str] = []

    def execute(command: str, in_data: bytes, sudoable: bool) -> dict[str, t.Any]:
        assert sudoable is False
        sent.append(command)
        outcome = host.execute(command, [], in_data, **faults)
        stdout = garble(outcome.stdout.decode("utf-8"))
        return {"rc": outcome.exit_code, "stdout": stdout, "stderr": outcome.stderr.decode()}

    return HostSession(execute), sent


def write_and_read(session: HostSession) -> list[dict[str, t.Any]]:
    change = {
        "action": "set_value",
        **KEY,
        "name": "Label",
        "type": "string",
        "data": TEXT,
        "expect": {"exists": False},
    }
    apply = {"op": "apply", "backup": {"id": "20260101T000000000000Z-0000abcd", "keep": 5}, "changes": [change]}
    return session.run([apply, {"op": "read", "keys": [KEY]}])


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_non_ascii_round_trips_with_or_without_a_byte_order_mark(bom: bool) -> None:
    host = SimHost("h", Registry(), facts={"stdout_bom": bom})
    session, _sent = session_on(host)
    applied, read = write_and_read(session)
    assert applied["after"][0]["data"] == TEXT
    assert read["keys"][0]["values"] == [{"name": "Label", "type": "string", "data": TEXT}]
    assert host.registry.get_value("HKLM", KEY["path"], "Label", view=64) == Value.string(TEXT)


def test_a_bom_is_what_the_simulator_sends_when_asked() -> None:
    host = SimHost("h", Registry(), facts={"stdout_bom": True})
    stdin = protocol.build_stdin(protocol.build_request([{"op": "read", "keys": []}]))
    assert host.execute(protocol.BOOTSTRAP_COMMAND_LINE, [], stdin).stdout.startswith(b"\xef\xbb\xbf{")


def test_parse_response_accepts_a_leading_bom_only_once() -> None:
    good = '{"protocol": 1, "ok": true, "results": []}'
    assert parse_response(0, "\ufeff" + good, "")["results"] == []
    with pytest.raises(AgentError, match="did not answer with JSON"):
        parse_response(0, "\ufeff\ufeff" + good, "")


def test_non_ascii_gpo_name_from_wmi_round_trips() -> None:
    facts = {"wmi": {"root\\rsop\\computer": {"RSOP_GPO": [{"name": GPO, "id": "cn={1}"}]}}}
    session, _sent = session_on(SimHost("h", Registry(), facts=facts))
    query = {"op": "wmi_query", "namespace": "root\\rsop\\computer", "class": "RSOP_GPO", "properties": ["name"]}
    [result] = session.run([query])
    assert result["instances"] == [{"name": GPO}]


def test_constrained_language_mode_fails_with_cause_and_way_out() -> None:
    host = SimHost("h", Registry(), facts={"language_mode": "ConstrainedLanguage"})
    session, sent = session_on(host)
    with pytest.raises(AgentError) as info:
        write_and_read(session)
    assert str(info.value) == (
        "PowerShell on this host runs in ConstrainedLanguage mode, in which the proxyfleet.windows host agent "
        "cannot run (it needs .NET registry and WMI types that Constrained Language Mode refuses); an AppLocker "
        "or Windows App Control (WDAC) policy usually enforces it. Nothing was read or written. Way out: let the "
        "account Ansible connects with run PowerShell in FullLanguage mode on this host (a policy exception for "
        "it), see docs/compatibility.md, 'Constrained Language Mode'"
    )
    assert info.value.backup_id is None
    assert sent == [protocol.BOOTSTRAP_COMMAND_LINE]
    assert host.registry.get_value("HKLM", KEY["path"], "Label", view=64) is None


def test_the_bootstrap_answers_the_language_mode_before_reading_stdin() -> None:
    # The simulator answers from the facts what the constant bootstrap prints: stdin is not even parsed.
    host = SimHost("h", Registry(), facts={"language_mode": "RestrictedLanguage"})
    outcome = host.execute(protocol.BOOTSTRAP_COMMAND_LINE, [], b"not json")
    assert outcome.exit_code == 0
    assert outcome.stdout == b'{"protocol":1,"ok":false,"language_mode":"RestrictedLanguage","results":[]}\r\n'
    assert '"language_mode":"\'+$m+\'"' in protocol.BOOTSTRAP_SCRIPT


def test_agent_bytes_count_the_core_and_only_the_parts_used() -> None:
    session, _sent = session_on(SimHost("h", Registry()))
    session.run([{"op": "read", "keys": []}])
    core = len(protocol.agent_script(with_apply=False).encode("utf-8"))
    assert session.agent_bytes == core
    session.run([{"op": "read", "keys": []}, {"op": "service", "name": "DoSvc", "action": "query"}])
    assert session.agent_bytes == 2 * core + len(protocol.agent_part("service").encode("utf-8"))
    # An apply brings the core's apply region along.
    write_and_read(session)
    full = len(protocol.agent_script().encode("utf-8"))
    assert session.agent_bytes == 2 * core + len(protocol.agent_part("service").encode("utf-8")) + full
    assert full > core + 10000
    assert session.commands == 3


def test_an_apply_without_the_apply_region_is_refused_by_the_host() -> None:
    host = SimHost("h", Registry())
    request = protocol.build_request([{"op": "apply", "changes": []}])
    stdin = protocol.encode_stdin({"agent": protocol.agent_script(with_apply=False), "parts": [], "request": request})
    outcome = host.execute(protocol.BOOTSTRAP_COMMAND_LINE, [], stdin)
    assert b"operation 'apply' at operations[0] needs the agent part 'apply', which the request did not carry" in (
        outcome.stdout
    )


def test_an_operation_without_its_part_is_refused_by_the_host() -> None:
    host = SimHost("h", Registry())
    request = protocol.build_request([{"op": "service", "name": "DoSvc", "action": "query"}])
    stdin = protocol.encode_stdin({"agent": protocol.agent_script(), "parts": [], "request": request})
    outcome = host.execute(protocol.BOOTSTRAP_COMMAND_LINE, [], stdin)
    with pytest.raises(AgentError) as info:
        parse_response(outcome.exit_code, outcome.stdout.decode(), outcome.stderr.decode())
    assert str(info.value) == (
        "the host agent rejected the request: operation 'service' at operations[0] needs the agent part"
        " 'service', which the request did not carry"
    )


def test_a_part_that_is_not_ours_is_rejected() -> None:
    host = SimHost("h", Registry())
    request = protocol.build_request([{"op": "read", "keys": []}])
    stdin = protocol.encode_stdin({"agent": protocol.agent_script(), "parts": ["Stop-Computer"], "request": request})
    outcome = host.execute(protocol.BOOTSTRAP_COMMAND_LINE, [], stdin)
    assert outcome.exit_code == 1
    sha = protocol.agent_sha256("Stop-Computer")
    assert outcome.stderr.decode() == (
        f"winsim: unknown agent part (sha256 {sha[:12]}...): this simulator only runs proxyfleet.windows'"
        " host agent\r\n"
    )


def test_the_agent_itself_checks_the_parts() -> None:
    core = protocol.agent_source()
    assert "needs the agent part '$part', which the request did not carry" in core
    for operation, part in protocol.PART_OF_OPERATION.items():
        assert f"{operation} = '{part}'" in core


# ---------------------------------------------------------------------------------------------
# After a write, the backup id always reaches the controller (issues 18.5, 17.5)

BACKUP_ID = "20260101T000000000000Z-0000abcd"


@pytest.mark.parametrize(
    ("garble", "detail"),
    [
        (lambda text: text[: len(text) // 2], "the host agent did not answer with JSON: "),
        (
            lambda text: text.replace('"results":[{', '"results":[7,{', 1),
            "the host agent's answer is malformed at results: 3 results for 2 operations",
        ),
        (
            lambda text: text.replace('"op":"apply"', '"op":"read"'),
            "the host agent's answer is malformed at results[0].op: expected 'apply'",
        ),
        (lambda text: text.replace('"protocol":1', '"protocol":2'), "the host agent answered with protocol 2"),
    ],
    ids=["cut", "extra-result", "wrong-op", "wrong-protocol"],
)
def test_a_lost_or_malformed_answer_to_a_write_says_it_may_have_been_applied(
    garble: t.Callable[[str], str], detail: str
) -> None:
    host = SimHost("h", Registry())
    session, _sent = session_on(host, garble)
    with pytest.raises(AgentError) as info:
        write_and_read(session)
    message = str(info.value)
    assert message.startswith(
        f"the host may have applied the change; backup {BACKUP_ID}; re-run to converge or restore ({detail}"
    ), message
    assert info.value.backup_id == BACKUP_ID and info.value.changed is True
    # It was applied: the message was right to say so.
    assert host.registry.get_value("HKLM", KEY["path"], "Label", view=64) == Value.string(TEXT)


def test_a_malformed_answer_to_a_read_is_a_plain_error() -> None:
    session, _sent = session_on(SimHost("h", Registry()), lambda text: "garbage")
    with pytest.raises(AgentError) as info:
        session.run([{"op": "read", "keys": [KEY]}])
    assert str(info.value) == "the host agent did not answer with JSON: garbage"
    assert info.value.backup_id is None and info.value.changed is False


def test_a_failed_read_back_keeps_the_backup_id() -> None:
    from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _registry_task
    from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import Change, KeyAddress, RegValue

    host = SimHost("h", Registry())
    session, _sent = session_on(host, fail_readback=True)
    address = KeyAddress("HKLM", KEY["path"], 64)
    change = Change("set_value", address, "Label", RegValue.missing(), RegValue(True, "string", "x"))
    with pytest.raises(AgentError) as info:
        _registry_task.apply_changes(session, [change])
    backup_id = info.value.backup_id
    assert backup_id is not None and info.value.changed is True
    assert str(info.value) == (
        f"the host may have applied the change; backup {backup_id}; re-run to converge or restore (1 changes "
        "written, reading them back failed: The handle is invalid.)"
    )
    assert host.registry.key_exists("HKLM", f"SOFTWARE\\proxyfleet\\Backups\\{backup_id}")


def test_pruning_is_reported_and_its_failure_does_not_fail_the_write() -> None:
    host = SimHost("h", Registry())
    session, _sent = session_on(host)
    write_and_read(session)  # the Original backup
    for number in range(3):
        change = {"action": "create_key", **KEY, "path": f"SOFTWARE\\k{number}", "expect": {"exists": False}}
        backup = {"id": f"20260102T00000000000{number}Z-0000abcd", "keep": 1}
        session.run([{"op": "apply", "backup": backup, "changes": [change]}])
    assert session.pruned_backups == ["20260102T000000000000Z-0000abcd", "20260102T000000000001Z-0000abcd"]
    failing, _sent = session_on(host, fail_prune=True)
    change = {"action": "create_key", **KEY, "path": "SOFTWARE\\k9", "expect": {"exists": False}}
    [result] = failing.run([{"op": "apply", "backup": {"id": "x9", "keep": 1}, "changes": [change]}])
    assert result["status"] == "applied" and result["backup_id"] == "x9"
    assert failing.prune_errors == [
        "Access to the registry key 'HKEY_LOCAL_MACHINE\\SOFTWARE\\proxyfleet\\Backups' is denied."
    ]


def test_an_unreadable_key_fails_the_task_naming_that_key() -> None:
    host = SimHost("h", Registry(), facts={"unreadable_keys": ["HKLM\\SOFTWARE\\Policies\\X"]})
    session, _sent = session_on(host)
    keys = [KEY, {"hive": "HKLM", "path": "SOFTWARE\\Policies\\X", "view": 32}]
    with pytest.raises(AgentError) as info:
        session.run([{"op": "read", "keys": keys}])
    assert str(info.value) == (
        "the host could not read HKLM\\SOFTWARE\\Policies\\X (32-bit view): Requested registry access is not allowed."
    )


def test_a_module_whose_write_answer_is_lost_reports_changed_and_the_backup() -> None:
    from tests.inprocess import InProcessHost

    host = InProcessHost(Registry())
    answered = host.execute

    def garbled(cmd: str, in_data: bytes | None = None, sudoable: bool = True, **kw: t.Any) -> dict[str, t.Any]:
        outcome = answered(cmd, in_data, sudoable, **kw)
        # Only the write command's answer is lost (cut in half).
        if b'"op":"apply"' in (in_data or b""):
            outcome["stdout"] = outcome["stdout"][:40]
        return outcome

    host.execute = garbled  # type: ignore[method-assign]
    run = host.run("winhttp_proxy", {"proxy": "proxy.corp.example:8080"})
    assert run.result is not None
    result = run.result
    assert result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith(
        f"the host may have applied the change; backup {result['backup_id']}; re-run to converge or restore ("
    )
    assert result["host_commands"] == 2 and result["agent_bytes"] > 0


def test_a_module_names_the_backups_its_write_pruned_and_keeps_the_original() -> None:
    from tests.inprocess import InProcessHost
    from tests.winsim.agent_twin import BACKUP_ROOT

    registry = Registry()
    # 25 earlier backups of this collection: sequence 1 is the host's original state.
    names = [f"20260101T0000{n:02d}000000Z-0000abcd" for n in range(25)]
    for sequence, name in enumerate(names, start=1):
        for field, number in (("Sequence", sequence), ("Original", int(sequence == 1)), ("Count", 0)):
            registry.set_value("HKLM", f"{BACKUP_ROOT}\\{name}", field, Value.dword(number))
    registry.set_value("HKLM", BACKUP_ROOT, "NextSequence", Value.dword(26))
    host = InProcessHost(registry)
    run = host.run("winhttp_proxy", {"proxy": "proxy.corp.example:8080"})
    assert run.result is not None and run.result["changed"] is True, run
    # keep 20: the new backup and the 19 newest old ones stay, and the original.
    pruned = names[1:6]
    assert run.result["warnings"][-1] == (
        "older on-host backups were deleted to keep the newest (the host's first backup is always kept): "
        + ", ".join(pruned)
    )
    left = registry.subkey_names("HKLM", BACKUP_ROOT)
    assert names[0] in left and not set(pruned) & set(left) and len(left) == 21
