#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.configmgr_console_proxy; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: configmgr_console_proxy
short_description: Make the ConfigMgr console ignore the system proxy for its site connections
version_added: 0.1.0
description:
  - Ensures C(<proxy usesystemdefault="False"/>) inside C(<defaultProxy>) in C(<system.net>) of the console's
    C(Microsoft.ConfigurationManagement.exe.config), the documented fix for a console that cannot reach its site
    because a system proxy is in the way. Missing C(<system.net>) and C(<defaultProxy>) elements are added.
  - The file is edited on the controller as text, not re-serialised as XML; every other byte (encoding and
    byte-order mark, line endings, comments, indentation, attribute order) stays as it was.
  - The file is written only when it still has the content read (SHA-256), after a copy of it was saved under
    C(%ProgramData%\proxyfleet\FileBackups\<backup id>), and replaced in one step (a temporary file then
    C(File.Replace)).
extends_documentation_fragment:
  - proxyfleet.windows._attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
options:
  path:
    description:
      - The configuration file. Omitted, it is C(bin\Microsoft.ConfigurationManagement.exe.config) in the console's
        install folder, read from the C(UI Installation Directory) registry value under
        C(HKLM\SOFTWARE\Microsoft\ConfigMgr10\Setup) (32-bit view first, then 64-bit) or, on a site server,
        C(HKLM\SOFTWARE\Microsoft\SMS\Setup).
      - At most 2,083 characters.
    type: str
  use_default_credentials:
    description:
      - Also set C(useDefaultCredentials) of C(<defaultProxy>) to this value. Omitted, the attribute is left as it is.
    type: bool
  ignore_missing:
    description:
      - When the console is not installed (or the file is missing), report C(console_installed=false) instead of
        failing. Useful in roles that run on every site system server.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the file, reports drift and the change, writes nothing.
  diff_mode:
    support: full
    description: Shows the file's text before and after.
  action_group:
    support: none
    membership: []
    details: In no action group; it shares no option with another module of the collection.
notes:
  - Checking costs one host command with O(path) and two when the path is discovered; writing costs one more.
  - Restart the console for the change to take effect.
  - Runs as an action plugin through the existing connection, so C(become) and C(async) are not supported.
seealso:
  - module: proxyfleet.windows.configmgr_proxy
  - name: The defaultProxy element
    description: The .NET Framework network setting the console reads.
    link: https://learn.microsoft.com/dotnet/framework/configure-apps/file-schema/network/defaultproxy-element-network-settings
author:
  - proxyfleet.windows contributors (@proxyfleet)
"""

EXAMPLES = r"""
- name: Console on admin workstations ignores the system proxy
  proxyfleet.windows.configmgr_console_proxy:
    ignore_missing: true

- name: A console installed in a custom folder
  proxyfleet.windows.configmgr_console_proxy:
    path: D:\Apps\AdminConsole\bin\Microsoft.ConfigurationManagement.exe.config
    use_default_credentials: true
"""

RETURN = r"""
changed:
  description: Whether the file was (or in check mode would be) changed.
  returned: always
  type: bool
path:
  description: The configuration file.
  returned: when the file was found
  type: str
console_installed:
  description: Whether the console (its configuration file) was found.
  returned: unless the task failed
  type: bool
before:
  description: What the file says about the proxy before the task.
  returned: when the file was found
  type: dict
  sample:
    system_net: true
    default_proxy: true
    proxy_element: false
    proxy_usesystemdefault: null
    use_default_credentials: 'true'
  contains:
    system_net:
      description: Whether the file has a C(<system.net>) element.
      type: bool
    default_proxy:
      description: Whether it has C(<defaultProxy>).
      type: bool
    proxy_element:
      description: Whether C(<defaultProxy>) has a C(<proxy>) element.
      type: bool
    proxy_usesystemdefault:
      description: C(<proxy usesystemdefault>) as written in the file, null when absent.
      type: str
      sample: 'False'
    use_default_credentials:
      description: C(<defaultProxy useDefaultCredentials>) as written, null when absent.
      type: str
after:
  description: The same after the task; in check mode, what it would be.
  returned: when the file was found
  type: dict
  contains:
    system_net:
      description: Whether the file has a C(<system.net>) element.
      type: bool
    default_proxy:
      description: Whether it has C(<defaultProxy>).
      type: bool
    proxy_element:
      description: Whether C(<defaultProxy>) has a C(<proxy>) element.
      type: bool
    proxy_usesystemdefault:
      description: C(<proxy usesystemdefault>) as written in the file, null when absent.
      type: str
      sample: 'False'
    use_default_credentials:
      description: C(<defaultProxy useDefaultCredentials>) as written, null when absent.
      type: str
drift:
  description: Every setting that differs, C([]) when compliant.
  returned: unless the task failed
  type: list
  elements: dict
  contains:
    setting:
      description: The setting, C(<surface>.<name>); WinHTTP and WinINET name the registry view, for
        example C(winhttp.64.proxy).
      type: str
      sample: telemetry.proxy
    current:
      description: Its value on the host, null when not set.
      type: raw
      sample: 10.0.0.6:8080
    desired:
      description: The value asked for.
      type: raw
      sample: proxy.corp.example:8080
backup_id:
  description: The on-host backup of the prior file, null when nothing was written.
  returned: when the file was found
  type: str
backup_path:
  description: Where the copy of the prior file is.
  returned: when the file was written
  type: str
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host.
  returned: always
  type: int
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
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_configmgr import CONFIGMGR_CONSOLE_PROXY_SPEC

ARGUMENT_SPEC = CONFIGMGR_CONSOLE_PROXY_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.configmgr_console_proxy")


if __name__ == "__main__":
    main()
