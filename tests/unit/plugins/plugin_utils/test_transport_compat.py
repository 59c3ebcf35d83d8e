"""What the installed ansible-core's winrm and psrp plugins make of our command line and stdin.

The command wrapping (winrm) and the stdin handling (psrp) changed in ansible-core 2.19 and 2.21
(docs/compatibility.md). These tests hand our constant command line and a real request to the
installed version's own connection plugin, with only the network call replaced, and check that what
it would send unwraps to the bootstrap and that the input joins back to the request, as the bootstrap
joins ``$input``. They run on every ansible-core that ``make test`` uses (2.21 and 2.16).

Replacing ``_winrm_exec`` and ``_exec_psrp_script`` couples the tests to two private methods; both
exist with the same role in 2.16 to 2.21, and there is no public seam between a connection plugin and
its network layer. psrp is only checked this way: there is no psrp server in the test environment.
"""

from __future__ import annotations

import base64
import json
import typing as t

import pytest
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader, shell_loader

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol
from tests.winsim.host import unwrap_command

REQUEST = protocol.build_request([{"op": "read", "keys": [{"hive": "HKLM", "path": "SOFTWARE\\Policies", "view": 64}]}])
STDIN = protocol.build_stdin(REQUEST)


def connection(name: str) -> t.Any:
    plugin = connection_loader.get(name, PlayContext(), None, shell=shell_loader.get("powershell"))
    # pylint: disable=protected-access
    plugin._connected = True  # no network: exec_command must not connect
    plugin._psrp_host = "host.invalid"  # psrp's _connect sets it; 2.16 logs it in exec_command
    return plugin


def winrm_wire() -> dict[str, t.Any]:
    """The rsp:Command, rsp:Arguments and stdin the winrm plugin would send for one agent call."""
    sent: dict[str, t.Any] = {}

    def fake_winrm_exec(
        command: str, args: t.Sequence[str] = (), from_exec: bool = False, stdin_iterator: t.Any = None
    ) -> tuple[int, bytes, bytes]:
        del from_exec
        stdin = b"".join(chunk for chunk, _last in stdin_iterator) if stdin_iterator else b""
        sent.update(command=command, arguments=list(args), stdin=stdin)
        return 0, b"", b""

    plugin = connection("winrm")
    plugin._winrm_exec = fake_winrm_exec  # pylint: disable=protected-access
    plugin.exec_command(protocol.BOOTSTRAP_COMMAND_LINE, in_data=STDIN, sudoable=False)
    return sent


def psrp_pipeline() -> tuple[str, t.Any]:
    """The script the psrp plugin would run in the runspace and the pipeline input it would give it."""
    ran: dict[str, t.Any] = {}

    def fake_exec_psrp_script(*args: t.Any, **kwargs: t.Any) -> tuple[int, bytes, bytes]:
        # 2.16-2.18 pass (script, input_data) by position, 2.19+ by keyword.
        ran["script"] = kwargs.get("script", args[0] if args else None)
        ran["input"] = kwargs.get("input_data", args[1] if len(args) > 1 else None)
        return 0, b"", b""

    plugin = connection("psrp")
    plugin._exec_psrp_script = fake_exec_psrp_script  # pylint: disable=protected-access
    plugin.exec_command(protocol.BOOTSTRAP_COMMAND_LINE, in_data=STDIN, sudoable=False)
    return ran["script"], ran["input"]


def as_input_objects(pipeline_input: t.Any) -> list[str]:
    """The objects ``$input`` enumerates for the input pypsrp is given: one per item of a list,
    the whole value for a single string (pypsrp sends a non-generator input as one object)."""
    if isinstance(pipeline_input, (str, bytes)):
        return [pipeline_input.decode() if isinstance(pipeline_input, bytes) else pipeline_input]
    return [str(item) for item in pipeline_input]


def test_winrm_sends_a_command_that_unwraps_to_the_bootstrap() -> None:
    sent = winrm_wire()
    assert unwrap_command(sent["command"], sent["arguments"]) == protocol.BOOTSTRAP_SCRIPT
    assert sent["stdin"] == STDIN


def test_winrm_wraps_at_most_once() -> None:
    # 2.16-2.18 wrap our command line in a second PowerShell; 2.19+ send ours as it is.
    sent = winrm_wire()
    line = " ".join([sent["command"], *sent["arguments"]])
    if line != protocol.BOOTSTRAP_COMMAND_LINE:
        assert sent["command"] == "PowerShell"
        assert unwrap_command(line, []) == protocol.BOOTSTRAP_SCRIPT
        inner = line.rsplit(" ", 1)[1]
        assert base64.b64decode(inner).decode("utf-16-le") == protocol.BOOTSTRAP_COMMAND_LINE


def test_psrp_runs_the_bootstrap_in_the_runspace() -> None:
    script, _pipeline_input = psrp_pipeline()
    assert script == protocol.BOOTSTRAP_SCRIPT


def test_psrp_input_joined_like_the_bootstrap_is_the_request() -> None:
    _script, pipeline_input = psrp_pipeline()
    objects = as_input_objects(pipeline_input)
    assert len(objects) == 1  # the payload is one line: one object whichever way it is split
    payload = json.loads("".join(objects))  # $l=@($input)-join''; ConvertFrom-Json $l
    assert payload["request"] == REQUEST
    assert payload["agent"] == protocol.agent_script(with_apply=False)  # a read needs no apply region


@pytest.mark.parametrize("line_ending", ["\r\n", "\n"])
def test_the_bootstrap_join_ignores_how_stdin_is_split(line_ending: str) -> None:
    text = STDIN.decode("ascii").replace("\r\n", line_ending)
    assert json.loads("".join(text.splitlines())) == json.loads(text)
    assert "$l=@($input)-join'';" in protocol.BOOTSTRAP_SCRIPT
