"""A connection lost during a host command: unreachable, with what it means for the registry."""

from __future__ import annotations

import typing as t

import pytest
from ansible.errors import AnsibleConnectionFailure

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import HostSession


def broken_link(*_: t.Any, **__: t.Any) -> dict[str, t.Any]:
    raise ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection'))\nmore")


def test_lost_during_a_read_says_nothing_was_written() -> None:
    session = HostSession(broken_link)
    with pytest.raises(AnsibleConnectionFailure) as info:
        session.run([{"op": "read", "keys": []}])
    assert info.value.message == (
        "the connection to the host was lost during the read command (('Connection aborted.', "
        "RemoteDisconnected('Remote end closed connection'))); nothing was written"
    )
    assert session.commands == 1


# Changed on purpose (issue 17.5): the message names the backup the controller sent, and says the
# host may have applied the change. An apply without changes writes nothing: it is a read.
def test_lost_during_a_write_says_old_or_new_and_to_run_again() -> None:
    change = {"action": "create_key", "hive": "HKLM", "path": "SOFTWARE\\X", "view": 64, "expect": {"exists": False}}
    apply = {"op": "apply", "backup": {"id": "20260101T000000000000Z-0000abcd", "keep": 20}, "changes": [change]}
    with pytest.raises(AnsibleConnectionFailure) as info:
        HostSession(broken_link).run([apply])
    assert info.value.message == (
        "the connection to the host was lost during the write command (('Connection aborted.', "
        "RemoteDisconnected('Remote end closed connection'))): the host may have applied the change; backup "
        "20260101T000000000000Z-0000abcd; re-run to converge or restore (no answer). The host agent writes every "
        "value or none, so the host holds either all its old values or all the new ones (the old ones then in an "
        "on-host backup); run the task again: it reads which and finishes the job"
    )


def test_an_apply_without_changes_is_lost_like_a_read() -> None:
    with pytest.raises(AnsibleConnectionFailure) as info:
        HostSession(broken_link).run([{"op": "apply", "changes": []}])
    assert info.value.message.endswith("; nothing was written")
