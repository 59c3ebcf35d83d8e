# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a module file does when run directly: every module here is an action plugin (internal use only)."""

from __future__ import annotations

import typing as t


def main_of_action_plugin(argument_spec: dict[str, t.Any], fqcn: str) -> None:
    """Validate arguments like a module (so ansible-test can read the spec), then say where the work happens."""
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    module.fail_json(msg=f"{fqcn} runs as an action plugin on the controller; this file only documents it")
