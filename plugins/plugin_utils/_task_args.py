# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument-spec validation for our action plugins, and how bad input fails a task (internal use only)."""

from __future__ import annotations

import functools
import typing as t
from collections.abc import Mapping

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_protocol import RequestTooLarge
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    MAX_BYPASS_ENTRIES,
    MAX_URL,
    ProxyInputError,
    bypass_warnings,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._redact import redact_credentials

# The longest text any option takes (a URL, INTERNET_MAX_URL_LENGTH) and the longest list; options
# with tighter bounds check those themselves. Checked before any host command.
MAX_TEXT = MAX_URL
MAX_LIST = MAX_BYPASS_ENTRIES
# Raw options that take a number as well as a name (delivery_optimization download_mode: lan or 1).
_NUMBERS_WELCOME = ("download_mode", "urls")
QUOTE_HINT = (
    "YAML 1.1 reads unquoted yes/no/on/off/true/false as booleans and values such as 1:59 as numbers "
    '(sexagesimal: 1:59 is 119, 010 is 8); quote the value, e.g. "1:59"'
)


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
        except (TaskInputError, ProxyInputError, RequestTooLarge) as exc:
            return {"failed": True, "changed": False, "msg": redact_credentials(str(exc))}

    return t.cast(RunMethod, run_reporting_input_errors)


def validated_args(action: ActionBase, argument_spec: dict[str, t.Any], fqcn: str) -> dict[str, t.Any]:
    """Validate the task's arguments against the module's spec, naming the module by its FQCN.

    ansible-core's ``ArgumentSpecValidator`` does the validation, as ``ActionBase.validate_argument_spec``
    does, with two differences: an error names the module by the FQCN users wrote (ansible-core names an
    action plugin by its Python path), and the validator gets a plain copy of the arguments. The validator
    deep-copies what it is given, and on ansible-core 2.19+ every templated string is a tagged ``str``
    subclass that ``copy.deepcopy`` rebuilds the slow way; a plain copy is made once, in C-speed steps
    (the profile in docs/performance.md: this was the largest of the plugin's own costs per host).

    Raises:
        TaskInputError: the arguments do not match the spec (for :func:`reports_input_errors`).
    """
    check_raw_args(action._task.args, argument_spec)
    given = plain(action._task.args)
    outcome = ArgumentSpecValidator(argument_spec).validate(given)
    if outcome.error_messages:
        message = outcome.errors.msg
        if isinstance(outcome.errors[0], UnsupportedError):
            message = f"Unsupported parameters for ({fqcn}) module: {message}"
        raise TaskInputError(message)
    return {**given, **outcome.validated_parameters}


def plain(value: t.Any) -> t.Any:
    """``value`` with every mapping a dict, every list or tuple a list and every text an exact ``str``.

    Task arguments hold ansible-core's tagged subclasses of these (2.19+); the validation and our own
    planning need only their values.
    """
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, Mapping):
        return {plain(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def check_raw_args(raw: t.Mapping[str, t.Any], spec: dict[str, t.Any], prefix: str = "") -> None:
    """Refuse what YAML changed behind the user's back, and anything too long, before the spec converts it.

    The argument spec turns ``on`` (the boolean True) into the text "True" and ``1:59`` (the number
    119) into "119" for a text option; once converted, nobody can tell. So this looks at the task's
    arguments as given.

    Raises:
        TaskInputError: naming the option (``winhttp.bypass[2]``) and saying what to write instead.
    """
    for name, option in spec.items():
        if not isinstance(raw, Mapping) or raw.get(name) is None:
            continue
        value, path, kind = raw[name], f"{prefix}{name}", option.get("type", "str")
        if kind == "dict" and "options" in option:
            check_raw_args(value, option["options"], f"{path}.")
        elif kind == "list" and isinstance(value, list):
            if len(value) > MAX_LIST:
                raise TaskInputError(f"{path}: {len(value)} entries, more than the {MAX_LIST} this option takes")
            for index, item in enumerate(value):
                _check_scalar(f"{path}[{index}]", item, option.get("elements", "str"), name)
        else:
            _check_scalar(path, value, kind, name)


def _check_scalar(path: str, value: t.Any, kind: str, name: str) -> None:
    if kind == "raw" and isinstance(value, Mapping):  # a per-scheme proxy: {http: ..., https: ...}
        for key, item in value.items():
            _check_scalar(f"{path}.{key}", item, "str", name)
        return
    if kind in ("str", "raw") and isinstance(value, bool):
        raise TaskInputError(f"{path}: got the boolean {value} where text was expected; {QUOTE_HINT}")
    numbers_refused = kind == "str" or (kind == "raw" and name not in _NUMBERS_WELCOME)
    if numbers_refused and isinstance(value, (int, float)) and not isinstance(value, bool):
        raise TaskInputError(f"{path}: got the number {value} where text was expected; {QUOTE_HINT}")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise TaskInputError(f"{path}: {len(value)} characters, more than the {MAX_TEXT} any option takes")


def bypass_option_warnings(args: t.Mapping[str, t.Any], spec: dict[str, t.Any], prefix: str = "") -> list[str]:
    """Warnings for every bypass list among the validated options (``*``, duplicate entries)."""
    warnings: list[str] = []
    for name, option in spec.items():
        value = args.get(name) if isinstance(args, Mapping) else None
        if value is None:
            continue
        if option.get("type") == "dict" and "options" in option:
            warnings += bypass_option_warnings(value, option["options"], f"{prefix}{name}.")
        elif name == "bypass" and isinstance(value, list):
            warnings += bypass_warnings(f"{prefix}{name}", [entry for entry in value if isinstance(entry, str)])
    return warnings
