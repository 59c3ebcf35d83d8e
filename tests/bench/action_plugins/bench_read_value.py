# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark only: read ONE registry value in one host command, as a per-value task (win_regedit style) does.

Not part of the collection. tests/bench/compare.py uses it to emulate the approach users write today,
one task per registry value, over the same WinRM and the same simulated hosts (which run only our
agent, so ansible.windows' own modules cannot run there).
"""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._host_session import HostSession
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import KeyAddress, read_operation


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        args = self._task.args
        address = KeyAddress(args.get("hive", "HKLM"), args["path"], int(args.get("view", 64)))
        session = HostSession(self._low_level_execute_command)
        (read,) = session.run([read_operation([address])])
        key = read["keys"][0]
        found = [value for value in key.get("values", []) if value["name"].lower() == str(args["name"]).lower()]
        result.update(changed=False, exists=bool(found), data=found[0]["data"] if found else None)
        return result
