# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument-spec validation for our action plugins, and how bad input fails a task (internal use only)."""

from __future__ import annotations

import functools
import typing as t

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError


class TaskInputError(ValueError):
    """Task input that does not have the accepted form; the message is meant for the user."""


RunMethod = t.TypeVar("RunMethod", bound=t.Callable[..., dict[str, t.Any]])


def reports_input_errors(run: RunMethod) -> RunMethod:
    """Make bad input a plain failed result: the message, no exception, no host command.

    Raising AnsibleActionFail is not enough: ansible-core before 2.19 stores the active traceback in
    its result, and the callbacks then print "An exception occurred during task execution" and the
    exception's type above the message.
    """

    @functools.wraps(run)
    def run_reporting_input_errors(self: ActionBase, *args: t.Any, **kwargs: t.Any) -> dict[str, t.Any]:
        try:
            return run(self, *args, **kwargs)
        except (TaskInputError, ProxyInputError) as exc:
            return {"failed": True, "changed": False, "msg": str(exc)}

    return t.cast(RunMethod, run_reporting_input_errors)


def validated_args(action: ActionBase, argument_spec: dict[str, t.Any], fqcn: str) -> dict[str, t.Any]:
    """Validate the task's arguments against the module's spec, naming the module by its FQCN.

    ansible-core names an action plugin by its Python path in "Unsupported parameters" errors; users
    wrote the FQCN, so that is what the message should say.

    Raises:
        TaskInputError: the arguments do not match the spec (for :func:`reports_input_errors`).
    """
    try:
        args = action.validate_argument_spec(argument_spec=argument_spec)[1]
    except AnsibleActionFail as exc:
        message = str(exc.message).replace(f"({action._load_name})", f"({fqcn})")
        raise TaskInputError(message) from None
    return dict(args)
