# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The frame every action plugin of this collection runs in (internal use only)."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_protocol import (
    AnswerError,
    RequestTooLarge,
    warm_agent_texts,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import AgentError, HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._redact import redact
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import (
    TaskInputError,
    bypass_option_warnings,
    reports_input_errors,
    validated_args,
)

# In ansible-playbook's main process, before it forks a worker per host: the workers inherit the texts.
warm_agent_texts()

MALFORMED = (
    "the host agent's answer does not have the shape this collection expects (a field is missing or of"
    " the wrong type); if the task was writing, the host may hold the change: run the task again to"
    " converge, or restore with proxyfleet.windows.proxy_restore"
)


class AgentAction(ActionBase):
    """Options validated before any host command, then the host agent through one :class:`HostSession`.

    Subclasses set ``FQCN`` and ``ARGUMENT_SPEC``, check and bind their options in :meth:`prepare`
    (raising ``TaskInputError`` or ``ProxyInputError``: a failed task, no host command) and talk to the
    host in :meth:`act`. An error in ``HOST_ERRORS`` fails the task with its message; every result
    says how many host commands (WinRM round trips) the task used. Credentials written into a proxy or
    URL (``user:password@``) are redacted from the whole result.
    """

    TRANSFERS_FILES = False
    _requires_connection = True
    FQCN: t.ClassVar[str] = ""
    ARGUMENT_SPEC: t.ClassVar[dict[str, t.Any]] = {}
    HOST_ERRORS: t.ClassVar[tuple[type[Exception], ...]] = (AgentError,)
    # Set by run() before prepare(): the host's variables, as ansible-core gives them to the action.
    task_vars: t.Mapping[str, t.Any]

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

    def refuse_unsupported_keywords(self) -> None:
        """Fail a task that asks for ``become`` or ``async`` instead of silently ignoring it.

        The agent runs through ``_low_level_execute_command``, outside Ansible's PowerShell module wrapper,
        which is where Windows ``become`` (runas) and ``async`` happen: the host would run the agent as the
        connection user, synchronously, whatever the task said.

        Raises:
            TaskInputError: the task sets ``become`` or ``async`` (no host command has run).
        """
        if getattr(self._connection, "become", None) is not None:
            raise TaskInputError(
                f"{self.FQCN} does not support become: it runs as the connection user, who must be a local"
                " administrator; remove become (and become_user, become_method) from this task or its play"
            )
        if self._task.async_val:
            raise TaskInputError(
                f"{self.FQCN} does not support async: it takes one or two short host commands;"
                " remove async and poll from this task"
            )

    @reports_input_errors
    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        self.refuse_unsupported_keywords()
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        del tmp
        # The host's variables, for an option that takes its values from them (proxy_baseline's role).
        self.task_vars = task_vars or {}
        args = validated_args(self, self.ARGUMENT_SPEC, self.FQCN)
        prepared = self.prepare(args)
        session = HostSession(self._low_level_execute_command)
        host = (task_vars or {}).get("inventory_hostname", "the host")
        try:
            result.update(self.act(session, prepared))
        except self.HOST_ERRORS as exc:
            message = str(exc)
            if isinstance(exc.__cause__, AnswerError):
                # A protocol error is about one host's answer: say which host, the field is in the message.
                message = f"{host}: {message}"
            result.update(failed=True, msg=message)
            # A failed write names the on-host backup that holds the prior values.
            if getattr(exc, "backup_id", None):
                result["backup_id"] = exc.backup_id  # type: ignore[attr-defined]
            # A write the host applied (or may have applied) is never reported as no change.
            if getattr(exc, "changed", False):
                result["changed"] = True
        except (ProxyInputError, TaskInputError, RequestTooLarge):
            raise
        except (KeyError, TypeError, AttributeError, IndexError, ValueError):
            if not session.commands:
                raise
            # The answers were checked field by field for the registry operations; for the others a
            # missing or mistyped field surfaces here. Never show Python's text for it (it says nothing
            # to the user and may quote the host's data unescaped).
            result.update(failed=True, msg=f"{host}: {MALFORMED}")
        warnings = bypass_option_warnings(args, self.ARGUMENT_SPEC)
        if warnings:
            result["warnings"] = [*warnings, *result.get("warnings", [])]
        result.update(_pruning_warnings(result, session))
        result["host_commands"] = session.commands
        result["agent_bytes"] = session.agent_bytes
        return t.cast(dict[str, t.Any], redact(result))


def _pruning_warnings(result: dict[str, t.Any], session: HostSession) -> dict[str, t.Any]:
    """What the applies' pruning of on-host backups did, as warnings (nothing when it did nothing)."""
    notes = [
        f"deleting older on-host backups failed (the change itself was made): {error}" for error in session.prune_errors
    ]
    if session.pruned_backups:
        notes.insert(
            0,
            "older on-host backups were deleted to keep the newest (the host's first backup is always kept): "
            + ", ".join(session.pruned_backups),
        )
    return {"warnings": [*(result.get("warnings") or []), *notes]} if notes else {}
