#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.winhttp_proxy; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: winhttp_proxy
short_description: Audit and set the WinHTTP default proxy in both registry views
version_added: 0.1.0
description:
  - Manages the machine-wide WinHTTP default proxy, the setting C(netsh winhttp set proxy) manages and that
    services running as LocalSystem or NetworkService use, such as the Defender for Endpoint sensor and
    Delivery Optimization without a signed-in user.
  - Reads and writes the C(WinHttpSettings) value under
    C(HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections) in the 64-bit and the
    32-bit registry view, because C(netsh) from C(System32) and from C(SysWOW64) each manage only one of them.
  - Compares by meaning, not bytes. Host names and bypass entries compare case-insensitively and bypass
    entries in any order; the value is rewritten only when the meaning differs, in the order you gave.
  - Keeps the blob header version and second DWORD the host already uses (C(0x18) when the value is missing)
    and writes a named proxy with the C(DIRECT|PROXY) flags, as Windows does.
  - Reads the value as WinHTTP does; a value without the proxy flag is direct access whatever follows it.
extends_documentation_fragment:
  - proxyfleet.windows._attributes
  - proxyfleet.windows._surface
  - proxyfleet.windows._group_policy
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
attributes:
  action_group:
    support: full
    membership:
      - proxyfleet.windows.surfaces
      - proxyfleet.windows.system_proxy
options:
  proxy:
    description:
      - The proxy as V(host:port), or per scheme as the string V(http=host:port;https=host:port) (the form this
        module returns and C(netsh winhttp show proxy) shows) or as a dict of scheme to V(host:port) (schemes
        V(http), V(https), V(ftp), V(socks)), written as C(http=host:port;https=host:port).
      - The host is a host name, an IPv4 address or a bracketed IPv6 address such as V([fd00::1]); the port is
        1-65535. As in M(ansible.windows.win_http_proxy), the port may be left out (the proxy is then reached on
        port 80; which port WinHTTP fills in is unverified, see the migration guide) and a V(http://) prefix is
        accepted; the value is written as given and compares equal to the same proxy on port 80 or without the
        prefix.
      - V('') (an empty string) means direct access, as in M(ansible.windows.win_http_proxy), the same as
        O(state=absent).
      - At most 2,083 characters in all; a host name at most 253 characters.
      - Required when O(state=present) unless O(source) is set.
    type: raw
  bypass:
    description:
      - Hosts that are reached directly, in order. Host names, addresses and wildcard patterns such as
        V(*.corp.example) or V(10.*); V(<local>) bypasses every host name without a dot, V(<-loopback>)
        sends loopback addresses through the proxy.
      - Entries may not contain spaces, quotes, V(;), control or non-ASCII characters.
      - Omit it or give V([]) or V('') for no bypass list.
      - At most 1,000 entries of at most 1,024 characters. V(*) (bypass everything) and duplicate entries warn.
    type: list
    elements: str
  state:
    description:
      - V(present) sets the named proxy; V(absent) sets direct access, like C(netsh winhttp reset proxy).
    type: str
    choices: [present, absent]
    default: present
  views:
    description:
      - The registry views to check and write. 64-bit processes read the 64-bit view, 32-bit processes on 64-bit
        Windows the 32-bit one (C(WOW6432Node)).
      - Each element is V(64) or V(32).
    type: list
    elements: int
    default: [64, 32]
  source:
    description:
      - V(wininet) copies the proxy and bypass list from the machine's WinINET settings (the 64-bit
        C(DefaultConnectionSettings) that M(proxyfleet.windows.wininet_proxy) manages), like
        C(netsh winhttp import proxy source=ie) but from the device-wide settings, not from the profile of the
        account WinRM connects with. No proxy there means direct access.
      - Like netsh, only the manual proxy is copied. A PAC URL or auto-detection cannot be expressed in WinHTTP and
        is reported as a warning, as is a machine that is not in per-machine proxy mode.
      - Cannot be combined with O(proxy), O(bypass) or O(state=absent).
      - In M(proxyfleet.windows.proxy_baseline) it copies the WinINET settings the same task writes.
      - V(ie) is the same as V(wininet), the name M(ansible.windows.win_http_proxy) uses. Unlike that module, which
        imports the settings of the account it connects with, both copy the device-wide settings.
    type: str
    choices: [wininet, ie]
notes:
  - The WinHTTP proxy has no auto-detection, no PAC and no proxy authentication. Laptops that move between
    networks are better served by the device-wide WinINET proxy or, for Defender for Endpoint, the telemetry proxy.
  - Services that cache the proxy (for example C(DoSvc)) may need a restart to see a change.
seealso:
  - name: Netsh commands for WinHTTP
    description: What C(netsh winhttp) does with the same value.
    link: https://learn.microsoft.com/windows/win32/winhttp/netsh-exe-commands
author:
  - proxyfleet.windows contributors (@proxyfleet)
"""

EXAMPLES = r"""
- name: Check WinHTTP proxy compliance without changing anything
  proxyfleet.windows.winhttp_proxy:
    proxy: proxy.corp.example:8080
    bypass:
      - <local>
      - "*.corp.example"
  check_mode: true
  register: winhttp

- name: Show what differs
  ansible.builtin.debug:
    var: winhttp.drift

- name: Use different proxies per scheme
  proxyfleet.windows.winhttp_proxy:
    proxy:
      http: proxy1.corp.example:80
      https: proxy2.corp.example:443

- name: Direct access (netsh winhttp reset proxy) in the 64-bit view only
  proxyfleet.windows.winhttp_proxy:
    state: absent
    views: [64]
"""

RETURN = r"""
changed:
  description: Whether a view was (or in check mode would be) rewritten.
  returned: always
  type: bool
before:
  description:
  - The proxy of each view as found, keyed by view.
  - 'Keyed by registry view, V(64) and V(32) (the views in O(views)), each as in the sample (the numbers
    are not names Jinja can reach with a dot: write C([''64''])). A view whose stored value cannot
    be decoded also has C(error), saying why.'
  returned: always
  type: dict
  sample:
    '64':
      access_type: named_proxy
      proxy: proxy.corp.example:8080
      bypass:
      - <local>
      value_present: true
      header: '0x18'
    '32':
      access_type: named_proxy
      proxy: proxy.corp.example:8080
      bypass:
      - <local>
      value_present: true
      header: '0x18'
after:
  description:
  - The proxy of each view after the task; in check mode, what it would be.
  - 'Keyed by registry view, V(64) and V(32) (the views in O(views)), each as in the sample (the numbers
    are not names Jinja can reach with a dot: write C([''64''])). A view whose stored value cannot
    be decoded also has C(error), saying why.'
  returned: always
  type: dict
  sample:
    '64':
      access_type: named_proxy
      proxy: proxy.corp.example:8080
      bypass:
      - <local>
      value_present: true
      header: '0x18'
    '32':
      access_type: named_proxy
      proxy: proxy.corp.example:8080
      bypass:
      - <local>
      value_present: true
      header: '0x18'
drift:
  description: Every setting that differs from what was asked, C([]) when compliant.
  returned: always
  type: list
  elements: dict
  sample:
  - setting: winhttp.64.proxy
    current: old.corp.example:3128
    desired: proxy.corp.example:8080
  - setting: winhttp.32.access_type
    current: direct
    desired: named_proxy
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
    owner:
      description:
        - Who sets the value - V(group_policy), V(mdm) (Intune or another MDM server, Policy CSP),
          V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference store that
          C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the collection's
          C(docs/owners.md).
      returned: always
      type: str
      sample: mdm
    gpo_name:
      description: The GPO's display name.
      returned: for group_policy and group_policy_preferences
      type: str
      sample: Contoso MDE proxy
    gpo_id:
      description: The GPO's id as the Resultant Set of Policy names it (its directory path).
      returned: for group_policy and group_policy_preferences
      type: str
      sample: cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com
    key:
      description: The registry key the owner's value is in (for mdm, the Policy CSP store's area key).
      returned: for group_policy, mdm, group_policy_preferences and preference
      type: str
      sample: HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization
    value:
      description: The registry value name the owner sets.
      returned: for mdm, group_policy_preferences and preference
      type: str
      sample: DODownloadMode
    area:
      description: The Policy CSP area.
      returned: for mdm
      type: str
      sample: DeliveryOptimization
    policy:
      description: The Policy CSP policy.
      returned: for mdm
      type: str
      sample: DODownloadMode
    csp:
      description: The policy's CSP node, as an Intune custom profile names it.
      returned: for mdm
      type: str
      sample: ./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode
    provider:
      description:
        - The enrollment that set it (its C(ProviderID), C(MS DM Server) for Intune, and UPN), or the winning
          provider's GUID when the enrollment is not found.
      returned: for mdm, when the store names the winning provider
      type: str
      sample: MS DM Server (admin@contoso.com)
    effective:
      description: The value the MDM store holds, in option terms.
      returned: for mdm
      type: raw
      sample: group
    mdm_wins_over_gp:
      description: Whether C(MDMWinsOverGP) is set, which makes the MDM value win over Group Policy.
      returned: for mdm
      type: bool
      sample: false
    action:
      description: The preference item's action (create, replace, update or delete).
      returned: for group_policy_preferences
      type: str
      sample: update
    verified:
      description: V(false) where Microsoft does not document the store the owner was read from (mdm,
        group_policy_preferences); see C(docs/owners.md).
      returned: when the store is not documented
      type: bool
      sample: false
    also:
      description: The other owners that set the same value and lose to this one.
      returned: when several owners set it
      type: list
      elements: str
      sample: [group_policy]
held:
  description:
    - Every setting that differs from what was asked but is left alone because Group Policy, MDM or a Group Policy
      Preferences item sets it (Windows would put it back), C([]) when there is none. Each carries the owner, the
      policy or profile, and a warning says what to change instead; O(override_owner) writes them.
    - Such a setting is not in C(drift) and does not make the task C(changed).
  returned: always
  type: list
  elements: dict
  sample:
  - setting: delivery_optimization.download_mode
    current: null
    desired: lan
    held: true
    owner: mdm
    area: DeliveryOptimization
    policy: DODownloadMode
    csp: ./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode
    key: HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization
    value: DODownloadMode
    effective: group
    mdm_wins_over_gp: false
    verified: false
  contains:
    setting:
      description: The setting, as in C(drift).
      type: str
      sample: delivery_optimization.download_mode
    current:
      description: Its value in the store the module writes, null when not set.
      type: raw
    desired:
      description: The value asked for.
      type: raw
    held:
      description: Always V(true).
      type: bool
    owner:
      description:
        - Who sets the value - V(group_policy), V(mdm) (Intune or another MDM server, Policy CSP),
          V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference store that
          C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the collection's
          C(docs/owners.md).
      returned: always
      type: str
      sample: mdm
    gpo_name:
      description: The GPO's display name.
      returned: for group_policy and group_policy_preferences
      type: str
      sample: Contoso MDE proxy
    gpo_id:
      description: The GPO's id as the Resultant Set of Policy names it (its directory path).
      returned: for group_policy and group_policy_preferences
      type: str
      sample: cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com
    key:
      description: The registry key the owner's value is in (for mdm, the Policy CSP store's area key).
      returned: for group_policy, mdm, group_policy_preferences and preference
      type: str
      sample: HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization
    value:
      description: The registry value name the owner sets.
      returned: for mdm, group_policy_preferences and preference
      type: str
      sample: DODownloadMode
    area:
      description: The Policy CSP area.
      returned: for mdm
      type: str
      sample: DeliveryOptimization
    policy:
      description: The Policy CSP policy.
      returned: for mdm
      type: str
      sample: DODownloadMode
    csp:
      description: The policy's CSP node, as an Intune custom profile names it.
      returned: for mdm
      type: str
      sample: ./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode
    provider:
      description:
        - The enrollment that set it (its C(ProviderID), C(MS DM Server) for Intune, and UPN), or the winning
          provider's GUID when the enrollment is not found.
      returned: for mdm, when the store names the winning provider
      type: str
      sample: MS DM Server (admin@contoso.com)
    effective:
      description: The value the MDM store holds, in option terms.
      returned: for mdm
      type: raw
      sample: group
    mdm_wins_over_gp:
      description: Whether C(MDMWinsOverGP) is set, which makes the MDM value win over Group Policy.
      returned: for mdm
      type: bool
      sample: false
    action:
      description: The preference item's action (create, replace, update or delete).
      returned: for group_policy_preferences
      type: str
      sample: update
    verified:
      description: V(false) where Microsoft does not document the store the owner was read from (mdm,
        group_policy_preferences); see C(docs/owners.md).
      returned: when the store is not documented
      type: bool
      sample: false
    also:
      description: The other owners that set the same value and lose to this one.
      returned: when several owners set it
      type: list
      elements: str
      sample: [group_policy]
owners:
  description:
    - The owner of each setting of C(before), by C(<surface>.<name>) (WinHTTP by view, C(winhttp.64)), as C(owner)
      with its details beside it, as in C(drift).
  returned: always
  type: dict
  sample:
    telemetry.proxy:
      owner: group_policy
      gpo_name: Contoso MDE proxy
      gpo_id: cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com
      key: HKLM\SOFTWARE\Policies\Microsoft\Windows\DataCollection
    telemetry.disable_enterprise_auth_proxy:
      owner: local
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host.
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
backup_id:
  description:
  - The on-host backup of the prior values, under C(HKLM\SOFTWARE\proxyfleet\Backups).
  - Null when nothing was written.
  returned: always
  type: str
  sample: 20261123T103000123456Z-1a2b3c4d
"""

# The spec lives in module_utils so proxy_baseline takes exactly the same options.
from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_winhttp import WINHTTP_SPEC

ARGUMENT_SPEC = WINHTTP_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.winhttp_proxy")


if __name__ == "__main__":
    main()
