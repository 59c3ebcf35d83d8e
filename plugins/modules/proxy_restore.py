#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.proxy_restore; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: proxy_restore
short_description: List the on-host backups of proxyfleet changes, or put a host back exactly as it was
version_added: 0.1.0
description:
  - Every change a proxyfleet.windows module makes first writes the prior state of each value it touches to an
    on-host backup under C(HKLM\\SOFTWARE\\proxyfleet\\Backups\\<id>) (the newest 20 are kept). This module lists
    those backups and restores them.
  - Restoring backup O(backup_id) brings back the registry state from just before the change that wrote it - that
    change and every newer one are undone, newest first. Values that did not exist then are removed again, values
    get back their type and data, keys those changes created are removed again once nothing else is in them.
  - The restore is itself one change with its own backup, so it can be undone the same way (restoring the newest
    backup right after a restore undoes the restore).
  - One host command reads the backups and the current state of every key they record (a second read only for
    keys outside the proxy surfaces); a restore that changes something writes in one more command, with the
    current values as preconditions, so a concurrent change aborts it with nothing written.
  - Only registry changes are covered (every surface module, M(proxyfleet.windows.proxy_baseline) and the roles
    that use them).
extends_documentation_fragment:
  - proxyfleet.windows._attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    description: Reports the changes a restore would make, and writes nothing.
  diff_mode:
    support: full
    description: Shows every value and key the restore changes, before and after.
  action_group:
    support: none
    membership: []
    details: In no action group; it shares no option with another module of the collection.
options:
  backup_id:
    description:
      - The backup to restore, as listed in RV(backups); the state from before that change comes back.
      - At most 64 characters.
      - Omitted - the newest backup.
    type: str
  list_only:
    description:
      - Only list the backups in RV(backups); change nothing.
    type: bool
    default: false
notes:
  - A backup that is incomplete (for example the host lost power while it was written) is listed with
    RV(backups[].restorable=false) and the reason; restoring it, or an older one, fails with nothing written.
seealso:
  - module: proxyfleet.windows.proxy_baseline
author:
  - proxyfleet.windows contributors (@proxyfleet)
"""

EXAMPLES = r"""
- name: List the backups on each host
  proxyfleet.windows.proxy_restore:
    list_only: true
  register: proxy_backups

- name: Undo the most recent proxy change
  proxyfleet.windows.proxy_restore:

- name: Put the hosts back as they were before a given change (it and every newer one are undone)
  proxyfleet.windows.proxy_restore:
    backup_id: 20261123T103000123456Z-4f2a1b3c
  check_mode: true
  diff: true
"""

RETURN = r"""
backups:
  description: Every backup on the host, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The backup id (starts with its UTC time, so ids sort by time).
      type: str
      sample: 20261123T103000123456Z-4f2a1b3c
    created:
      description: When the backup was written, ISO 8601 UTC, as the host recorded it.
      type: str
      sample: '2026-11-23T10:30:00.1234560Z'
    agent_version:
      description: The host agent version that wrote it.
      type: str
      sample: 0.1.0
    changes:
      description: What the backed-up change did, one line per registry value or key.
      type: list
      elements: str
      sample:
      - HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\DeliveryOptimization (64-bit view) value DOGroupId
        (set_value)
    restorable:
      description: Whether the backup is complete and can be restored exactly.
      type: bool
    problem:
      description: Why it cannot be restored, or null.
      type: str
      returned: always
restored:
  description: The backups undone (newest first); empty with O(list_only=true).
  returned: always
  type: list
  elements: str
changes:
  description: Each registry change the restore made (or would make in check mode), with the state
    before and after.
  returned: unless O(list_only=true)
  type: list
  elements: dict
  sample:
  - action: delete_value
    key: HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\DeliveryOptimization (64-bit view)
    name: DODownloadMode
    before:
      type: dword
      data: 2
    after: absent
  contains:
    action:
      description: What the restore does to it, V(set_value), V(delete_value), V(create_key) or V(delete_key).
      type: str
      sample: delete_value
    key:
      description: The registry key, with its view.
      type: str
    name:
      description: The value name, null for a key.
      type: str
      sample: DODownloadMode
    before:
      description: The value before, C({type, data}), or V(absent).
      type: raw
    after:
      description: The value after, C({type, data}), or V(absent).
      type: raw
backup_id:
  description: The backup of the restore itself (restore it to undo the restore).
  returned: when the restore wrote something
  type: str
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host.
  returned: always
  type: int
  sample: 2
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
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_restore import RESTORE_SPEC

ARGUMENT_SPEC = RESTORE_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.proxy_restore")


if __name__ == "__main__":
    main()
