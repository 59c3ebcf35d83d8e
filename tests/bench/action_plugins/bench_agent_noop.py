# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark only: the cost of a module-shaped call with none of our work in it (the "agent floor").

Not part of the collection. ``make bench-scale`` runs it with the same task arguments as the measured
``proxy_baseline`` check (ansible-core templates and post-validates them alike) and sends the same
constant command line and the agent core on stdin with a request of no operations, so WinRM carries the
same messages (Create, Command, Send, Receive, Signal, Delete) with nearly the same bytes. It neither
validates the arguments, nor plans, nor compares, nor builds a result beyond ``changed``. What ours
costs above it is the collection's own work per host; what it costs above ``raw`` is what any module
that takes nested options and reads its input from stdin costs Ansible over WinRM.
"""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import HostSession


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        HostSession(self._low_level_execute_command).run([])
        result.update(changed=False)
        return result
