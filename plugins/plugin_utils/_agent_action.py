# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The frame every action plugin of this collection runs in (internal use only)."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import reports_input_errors, validated_args


class AgentAction(ActionBase):
    """Options validated before any host command, then the host agent through one :class:`HostSession`.

    Subclasses set ``FQCN`` and ``ARGUMENT_SPEC``, check and bind their options in :meth:`prepare`
    (raising ``TaskInputError`` or ``ProxyInputError``: a failed task, no host command) and talk to the
    host in :meth:`act`. An error in ``HOST_ERRORS`` fails the task with its message; every result
    says how many host commands (WinRM round trips) the task used.
    """

    TRANSFERS_FILES = False
    _requires_connection = True
    FQCN: t.ClassVar[str] = ""
    ARGUMENT_SPEC: t.ClassVar[dict[str, t.Any]] = {}
    HOST_ERRORS: t.ClassVar[tuple[type[Exception], ...]] = (AgentError,)

    def prepare(self, args: dict[str, t.Any]) -> t.Any:
        """What :meth:`act` works from; by default the validated options themselves."""
        return args

    def act(self, session: HostSession, prepared: t.Any) -> dict[str, t.Any]:
        """Run the task's host commands; return what the result adds."""
        raise NotImplementedError

    @property
    def connecting_user(self) -> str | None:
        """The account the connection signs in as (its hive is loaded on the host, but it is not a user's)."""
        user = None
        get_option = getattr(self._connection, "get_option", None)
        if get_option is not None:
            try:
                user = get_option("remote_user")
            except KeyError:  # a connection plugin without the option
                user = None
        user = user or getattr(self._play_context, "remote_user", None)
        return str(user) if user else None

    @property
    def check_mode(self) -> bool:
        return bool(self._task.check_mode)

    @property
    def diff_mode(self) -> bool:
        return bool(self._task.diff)

    @reports_input_errors
    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        del tmp
        prepared = self.prepare(validated_args(self, self.ARGUMENT_SPEC, self.FQCN))
        session = HostSession(self._low_level_execute_command)
        try:
            result.update(self.act(session, prepared))
        except self.HOST_ERRORS as exc:
            result.update(failed=True, msg=str(exc))
            # A failed write names the on-host backup that holds the prior values.
            if getattr(exc, "backup_id", None):
                result["backup_id"] = exc.backup_id  # type: ignore[attr-defined]
        result["host_commands"] = session.commands
        return result
