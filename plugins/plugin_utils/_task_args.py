# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument-spec validation for our action plugins (internal use only)."""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


def validated_args(action: ActionBase, argument_spec: dict[str, t.Any], fqcn: str) -> dict[str, t.Any]:
    """Validate the task's arguments against the module's spec, naming the module by its FQCN.

    ansible-core names an action plugin by its Python path in "Unsupported parameters" errors; users
    wrote the FQCN, so that is what the message should say.
    """
    try:
        args = action.validate_argument_spec(argument_spec=argument_spec)[1]
    except AnsibleActionFail as exc:
        message = str(exc.message).replace(f"({action._load_name})", f"({fqcn})")
        raise AnsibleActionFail(message) from None
    return dict(args)
