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


def session_on(host: SimHost) -> tuple[HostSession, list[str]]:
    sent: list[str] = []

    def execute(command: str, in_data: bytes, sudoable: bool) -> dict[str, t.Any]:
        assert sudoable is False
        sent.append(command)
        outcome = host.execute(command, [], in_data)
        return {"rc": outcome.exit_code, "stdout": outcome.stdout.decode("utf-8"), "stderr": outcome.stderr.decode()}

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
    core = len(protocol.agent_script().encode("utf-8"))
    assert session.agent_bytes == core
    session.run([{"op": "read", "keys": []}, {"op": "service", "name": "DoSvc", "action": "query"}])
    assert session.agent_bytes == 2 * core + len(protocol.agent_part("service").encode("utf-8"))
    assert session.commands == 2


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
