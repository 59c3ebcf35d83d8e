#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.wininet_proxy; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: wininet_proxy
short_description: Audit and set the device-wide Windows (WinINET) proxy
version_added: 0.1.0
description:
  - Manages the machine's Windows proxy, the one Settings and Internet Options show and that Delivery Optimization,
    Edge and most applications use, as a device-wide setting that applies to every user, LocalSystem and
    NetworkService alike. This is the configuration Microsoft's Delivery Optimization proxy guidance recommends.
  - Writes three places so they agree, in both registry views, comparing by meaning and rewriting only what differs.
  - The C(ProxySettingsPerUser) policy under
    C(HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings) set to C(0)
    (the Group Policy "Make proxy settings per-machine (rather than per-user)").
  - The C(DefaultConnectionSettings) and C(SavedLegacySettings) blobs under
    C(HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections). The blob version the host
    uses (C(0x46) or the older C(0x3C)) and unknown trailing bytes are kept, the change counter is incremented and
    the DIRECT flag is always set, as Windows does.
  - The legacy flat values C(ProxyEnable), C(ProxyServer), C(ProxyOverride) and C(AutoConfigURL) beside them, kept
    consistent with the blob.
  - Unlike M(ansible.windows.win_inet_proxy), auto-detection (WPAD) is never switched on unless asked for, and the
    settings are the machine's, not those of the account WinRM connects with.
  - Running services may cache the proxy; restart them (for example C(DoSvc)) after a change.
extends_documentation_fragment:
  - proxyfleet.windows.surface
  - proxyfleet.windows.group_policy
options:
  proxy:
    description:
      - The proxy as V(host:port), or a dict of scheme to V(host:port) (schemes V(http), V(https), V(ftp),
        V(socks)), written as C(http=host:port;https=host:port).
    type: raw
  bypass:
    description:
      - Hosts reached without the proxy, in order. V(<local>) bypasses every host name without a dot.
      - Entries may not contain spaces, quotes, V(;), control or non-ASCII characters.
    type: list
    elements: str
  auto_config_url:
    description:
      - The URL of a proxy auto-config (PAC) file, V(http://) or V(https://).
    type: str
  auto_detect:
    description:
      - Whether WinINET looks for a proxy with WPAD. Off unless you ask for it.
    type: bool
    default: false
  per_machine:
    description:
      - V(true) sets the C(ProxySettingsPerUser) policy to C(0), so these settings apply to every user and service.
      - V(false) leaves the policy as it is. In per-user mode neither signed-in users nor NetworkService use the
        machine settings (Microsoft's Delivery Optimization proxy tables), and a warning says so.
    type: bool
    default: true
  state:
    description:
      - V(present) sets the proxy. At least one of O(proxy), O(auto_config_url) or O(auto_detect=true) is required.
      - V(absent) sets direct access (blobs without proxy, PAC or auto-detect, C(ProxyEnable=0), the other flat values
        removed) and removes the C(ProxySettingsPerUser) policy value.
    type: str
    choices: [present, absent]
    default: present
  views:
    description:
      - The registry views to check and write; each element is V(64) or V(32). The policy value is always in the
        64-bit view.
    type: list
    elements: int
    default: [64, 32]
author:
  - proxyfleet.windows contributors (@proxyfleet)
seealso:
  - module: proxyfleet.windows.winhttp_proxy
  - name: Delivery Optimization and proxy
    description: Why a device-wide WinINET proxy is the recommended configuration.
    link: https://learn.microsoft.com/windows/deployment/do/delivery-optimization-proxy
"""

EXAMPLES = r"""
- name: Device-wide proxy; Delivery Optimization's service endpoints go direct
  proxyfleet.windows.wininet_proxy:
    proxy: proxy.corp.example:8080
    bypass:
      - <local>
      - "*.corp.example"
      - "*.prod.do.dsp.mp.microsoft.com"

- name: PAC file for every user and service
  proxyfleet.windows.wininet_proxy:
    auto_config_url: http://proxy.corp.example/proxy.pac

- name: Back to direct access
  proxyfleet.windows.wininet_proxy:
    state: absent
"""

RETURN = r"""
changed:
  description: Whether a value was (or in check mode would be) written or removed.
  returned: always
  type: bool
before:
  description: The per-machine mode and, per view, the proxy, bypass, PAC URL and auto-detect the blob holds, and the
    flat values.
  returned: always
  type: dict
  sample:
    per_machine: false
    "64": {proxy: null, bypass: [], auto_config_url: null, auto_detect: false,
           flat: {ProxyEnable: 0, ProxyServer: null, ProxyOverride: null, AutoConfigURL: null}}
after:
  description: The same after the task; in check mode, what it would be.
  returned: always
  type: dict
drift:
  description: Every setting that differs from what was asked, C([]) when compliant.
  returned: always
  type: list
  elements: dict
  sample: [{setting: wininet.per_machine, current: false, desired: true}]
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
backup_id:
  description: The on-host backup of the prior values; null when nothing was written.
  returned: always
  type: str
  sample: 20261123T103000123456Z-1a2b3c4d
"""

# The spec lives in module_utils so proxy_baseline takes exactly the same options.
from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_wininet import WININET_SPEC

ARGUMENT_SPEC = WININET_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.wininet_proxy")


if __name__ == "__main__":
    main()
