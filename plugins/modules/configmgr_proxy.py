#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.configmgr_proxy; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: configmgr_proxy
short_description: Audit and set the proxy of a ConfigMgr site system server and its software update point
version_added: 0.1.0
description:
  - Manages the proxy Configuration Manager keeps for one site system server in the site control file. Every
    internet-facing role on that server uses it (service connection point, software update point, cloud management
    gateway connection point, Exchange Server connector, distribution point with Connected Cache); configuring it
    replaces the previous one.
  - Runs against a host with the SMS Provider (usually the site server) and reads and writes the C(SMS_SCI_SysResUse)
    role instances of O(server) in C(root\SMS\site_<site code>) through WMI. The C(SMS Site System) role holds
    C(UseProxy), C(ProxyName), C(ProxyServerPort), C(ProxyUserName) and C(AnonymousProxyAccess); the C(SMS Software
    Update Point) role holds C(UseProxy) and C(UseProxyForADR).
  - Changes are made the way the ConfigMgr SDK prescribes when several administrators work at once, inside a site
    control file session (C(GetSessionHandle), C(RefreshSCF), C(Put) with the session handle in the WMI context,
    C(CommitSCF), C(ReleaseSessionHandle)). The write carries the properties as read; when another administrator
    changed any of them in between, nothing is written and the task fails naming the property.
  - Microsoft publishes no list of these property names; they come from community code. See the collection's
    C(docs/configmgr.md) for the sources relied on.
extends_documentation_fragment:
  - proxyfleet.windows._attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
options:
  site_code:
    description:
      - The site code, three letters or digits such as V(PS1).
      - Omitted, it is the site of the SMS Provider on the host (C(SMS_ProviderLocation) with C(ProviderForLocalSite)).
    type: str
  server:
    description:
      - The site system server whose proxy is managed, as its FQDN (as ConfigMgr records it, C(\\\\<server>)).
      - At most 253 characters. Omitted, it is the FQDN of the target host itself.
    type: str
  use_proxy:
    description:
      - Whether the site system server uses a proxy when it connects to the internet.
      - Defaults to V(true) when O(proxy_server) is given; omitted without O(proxy_server) the site system proxy is
        left as it is (for example to set only O(software_update_point)).
      - Turning it off also turns off the software update point flags, as the console does.
    type: bool
  proxy_server:
    description:
      - The proxy's host name, FQDN or IP address, without scheme or port. Required when O(use_proxy=true).
      - An IPv6 address may be given with or without brackets; a zone id only as an interface number or a name of
        letters, digits, V(_), V(-) and V(.).
      - At most 253 characters.
    type: str
  port:
    description:
      - The proxy's port, 1-65535. V(0) and booleans (an unquoted V(yes) in YAML) are errors.
    type: int
    default: 80
  account:
    description:
      - The site system proxy server account, an existing ConfigMgr account written V(DOMAIN\\user) (not
        V(user@domain)).
      - At most 256 characters, no control or format characters.
      - Omitted, the site system connects to the proxy as its computer account (System), which is not anonymous
        access - "Proxy server support in Configuration Manager" - so the proxy must accept that computer account.
      - This module never takes or passes a password. Create the account first, once, where the password can be
        typed or read from a vault, for example C(New-CMAccount -UserName 'CONTOSO\\svc-cmproxy' -Password
        (Read-Host -AsSecureString) -SiteCode PS1) in the ConfigMgr PowerShell module, or in the console under
        Administration > Security > Accounts.
    type: str
  software_update_point:
    description:
      - The proxy flags of the software update point on O(server). The server must have that role.
      - They can only be V(true) when the site system server uses a proxy; the console enforces the same. When that
        is known from the options the task fails before contacting the host, otherwise after reading and before
        writing.
    type: dict
    suboptions:
      use_proxy:
        description: Use the site system proxy when synchronizing software updates.
        type: bool
      use_proxy_for_adr:
        description:
          - Use it when automatic deployment rules download content (not used at secondary sites).
        type: bool
  state:
    description:
      - V(present) sets what the options say; V(absent) turns the site system proxy off and clears the proxy
        name, port (back to 80) and account, and turns off the software update point flags.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    description: Reads the site control data (one host command), reports drift and what would change, writes nothing.
  diff_mode:
    support: full
    description: Shows the proxy settings before and after in the module's terms.
  action_group:
    support: none
    membership: []
    details: In no action group; it shares no option with another module of the collection.
notes:
  - Checking costs one host command; changing costs two (read, then write with preconditions).
  - There is no on-host backup of site control data; the prior settings are returned as RV(before), and nothing
    reaches the site unless the whole change is committed.
  - Runs as an action plugin through the existing connection, so C(become) and C(async) are not supported.
seealso:
  - module: proxyfleet.windows.configmgr_console_proxy
  - name: How to read and write the site control file by using WMI
    description: The session handle protocol this module follows.
    link: https://learn.microsoft.com/mem/configmgr/develop/core/understand/how-to-read-and-write-to-the-site-control-file-by-using-wmi
  - name: Proxy server support in Configuration Manager
    description: Which roles use the site system proxy, and the proxy server account.
    link: https://learn.microsoft.com/mem/configmgr/core/plan-design/network/proxy-server-support
author:
  - proxyfleet.windows contributors (@proxyfleet)
"""

EXAMPLES = r"""
- name: Site server and its software update point go through the corporate proxy
  proxyfleet.windows.configmgr_proxy:
    proxy_server: proxy.contoso.com
    port: 8080
    software_update_point:
      use_proxy: true
      use_proxy_for_adr: true

- name: A remote site system server, authenticating with a ConfigMgr account created by New-CMAccount
  proxyfleet.windows.configmgr_proxy:
    site_code: PS1
    server: scp01.contoso.com
    proxy_server: proxy.contoso.com
    account: CONTOSO\svc-cmproxy

- name: Compliance check only
  proxyfleet.windows.configmgr_proxy:
    proxy_server: proxy.contoso.com
    port: 8080
  check_mode: true
  register: cm_proxy

- name: No proxy for this site system server
  proxyfleet.windows.configmgr_proxy:
    server: dp02.contoso.com
    state: absent
"""

RETURN = r"""
changed:
  description: Whether the site control data was (or in check mode would be) changed.
  returned: always
  type: bool
site_code:
  description: The site code used.
  returned: when the host has an SMS Provider
  type: str
  sample: PS1
server:
  description: The site system server managed.
  returned: when the host has an SMS Provider
  type: str
  sample: cm01.contoso.com
before:
  description: The proxy settings as found. Its C(software_update_point) is null when the server has
    no SUP.
  returned: when the host has an SMS Provider
  type: dict
  sample:
    site_code: PS1
    server: cm01.contoso.com
    use_proxy: false
    proxy_server: null
    port: 80
    account: null
    software_update_point:
      use_proxy: false
      use_proxy_for_adr: false
  contains:
    site_code:
      description: The site code.
      type: str
      sample: PS1
    server:
      description: The site system server.
      type: str
      sample: cm01.contoso.com
    use_proxy:
      description: Whether the site system uses a proxy.
      type: bool
    proxy_server:
      description: The proxy server name, null when none.
      type: str
      sample: proxy.contoso.com
    port:
      description: The proxy port.
      type: int
      sample: 8080
    account:
      description: The ConfigMgr account used for the proxy (its name, never a password), null when
        none.
      type: str
    software_update_point:
      description: The software update point's proxy flags; null when the server has no SUP.
      type: dict
      contains:
        use_proxy:
          description: Use the proxy when synchronizing software updates.
          type: bool
        use_proxy_for_adr:
          description: Use the proxy for automatic deployment rules.
          type: bool
after:
  description: The proxy settings after the task; in check mode, what they would be.
  returned: when the host has an SMS Provider
  type: dict
  contains:
    site_code:
      description: The site code.
      type: str
      sample: PS1
    server:
      description: The site system server.
      type: str
      sample: cm01.contoso.com
    use_proxy:
      description: Whether the site system uses a proxy.
      type: bool
    proxy_server:
      description: The proxy server name, null when none.
      type: str
      sample: proxy.contoso.com
    port:
      description: The proxy port.
      type: int
      sample: 8080
    account:
      description: The ConfigMgr account used for the proxy (its name, never a password), null when
        none.
      type: str
    software_update_point:
      description: The software update point's proxy flags; null when the server has no SUP.
      type: dict
      contains:
        use_proxy:
          description: Use the proxy when synchronizing software updates.
          type: bool
        use_proxy_for_adr:
          description: Use the proxy for automatic deployment rules.
          type: bool
drift:
  description: Every setting that differs from what was asked, C([]) when compliant.
  returned: when the host has an SMS Provider
  type: list
  elements: dict
  sample:
  - setting: site_system.proxy_server
    current: null
    desired: proxy.contoso.com
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
committed:
  description:
    - Whether the write was committed to the site database (C(CommitSCF) succeeded). Once it is, a failure
      to read the change back or to release the site control session is a warning, never a failure.
  returned: when the module wrote
  type: bool
  sample: true
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
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_configmgr import CONFIGMGR_PROXY_SPEC

ARGUMENT_SPEC = CONFIGMGR_PROXY_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.configmgr_proxy")


if __name__ == "__main__":
    main()
