# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attributes every proxyfleet.windows module shares (internal use only, not public API).

Modules extend this together with ``ansible.builtin.action_common_attributes`` and its ``.conn``,
``.flow`` and ``.actiongroups`` parts, which give the descriptions; this fragment says what we support.
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action:
    support: full
    details: The work is done by the action plugin of the same name on the controller, which sends one fixed
      PowerShell agent to the host through the task's connection.
  async:
    support: none
    details: A task with C(async) fails before any host command, with a message saying so.
  become:
    support: none
    details: A task with C(become) fails before any host command, with a message saying so; connect as an
      administrator instead.
  bypass_host_loop:
    support: none
  connection:
    support: full
  delegation:
    support: full
    details: With C(delegate_to) the host commands run on the delegated host.
  idempotent:
    description: When run again with the same options and nothing else changed the host, the action reports
      C(changed=false) and sends no write.
    support: full
  platform:
    support: full
    platforms: windows
    description: Windows hosts with Windows PowerShell 5.1, reached with the connections C(docs/compatibility.md)
      lists - C(winrm) (tested against the simulated fleet), C(psrp) (its command shape checked, unverified on a
      live host), C(ssh) with the PowerShell shell (untested).
"""
