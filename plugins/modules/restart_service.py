#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.restart_service; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: restart_service
short_description: Restart Windows services that cache proxy settings, in one host command
version_added: 0.1.0
description:
  - Restarts the named services so they pick up changed proxy settings - Delivery Optimization (C(DoSvc)) reads its
    proxy configuration when it starts. Meant as a handler, notified only when a proxy setting changed.
  - All services of the task in one host command. Each service is opened by its exact name, stopped and started again,
    waiting at most 60 seconds for each; a service that is not running is left alone unless
    O(only_if_running=false) (it reads the new settings when it next starts).
  - A service that is not installed is a warning, not a failure.
extends_documentation_fragment:
  - proxyfleet.windows._attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    description: Queries the services and reports which would be restarted.
  diff_mode:
    support: none
    description: Nothing to diff.
  action_group:
    support: none
    membership: []
    details: In no action group; it shares no option with another module of the collection.
  idempotent:
    support: none
    details: Restarts every running service it is given, each time; use it as a handler.
options:
  name:
    description:
      - The service names (not display names), for example V(DoSvc) or V(MSSQL$SQLEXPRESS). No wildcards.
      - At most 1,000 entries of at most 256 characters; names with spaces are fine. No V(/), V(\\), V(*), V(?),
        control characters or spaces at either end.
    type: list
    elements: str
    required: true
  only_if_running:
    description:
      - Restart only services that are running; V(false) also starts stopped ones.
    type: bool
    default: true
seealso:
  - module: proxyfleet.windows.proxy_baseline
author:
  - proxyfleet.windows contributors (@proxyfleet)
"""

EXAMPLES = r"""
- name: Delivery Optimization proxy policy
  proxyfleet.windows.proxy_baseline:
    delivery_optimization:
      download_mode: lan
  notify: Restart Delivery Optimization

# handlers:
- name: Restart Delivery Optimization
  proxyfleet.windows.restart_service:
    name: DoSvc
"""

RETURN = r"""
services:
  description: One entry per service, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The service name as the host reports it.
      type: str
      sample: DoSvc
    before:
      description: Its status before (a C(ServiceControllerStatus) name such as V(Running) or V(Stopped)).
      type: str
      sample: Running
    after:
      description: Its status after.
      type: str
      sample: Running
    restarted:
      description: Whether it was restarted (in check mode - whether it would be).
      type: bool
    missing:
      description: Present and true when the service is not installed.
      type: bool
      returned: when the service is not installed
    error:
      description: Why it could not be restarted, when that happened.
      type: str
      returned: when it could not be restarted
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host, always 1.
  returned: always
  type: int
  sample: 1
agent_bytes:
  description:
    - The UTF-8 bytes of host agent text (its core and the optional parts the request used) the task sent,
      over all its host commands.
    - See the collection's C(docs/performance.md).
  returned: always
  type: int
  sample: 24310
"""

from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_restart_service import RESTART_SERVICE_SPEC

ARGUMENT_SPEC = RESTART_SERVICE_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.restart_service")


if __name__ == "__main__":
    main()
