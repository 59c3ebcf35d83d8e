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
    settings are the machine's, not those of the account WinRM connects with (there is no C(connection) option;
    the device-wide settings apply to every connection). The migration guide lists every difference.
  - Running services may cache the proxy; restart them (for example C(DoSvc)) after a change.
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
      - The proxy as V(host:port), or per scheme as the string V(http=host:port;https=host:port) or a dict of scheme
        to V(host:port) (schemes V(http), V(https), V(ftp), V(socks)), written as C(http=host:port;https=host:port).
      - As in M(ansible.windows.win_inet_proxy), the port may be left out (the proxy is then reached on port 80;
        unverified, see the migration guide) and a V(http://) prefix, as the Internet Options dialog stores it, is
        accepted. The value is written as given and compares equal to the same proxy on port 80 or without the
        prefix.
      - V('') (an empty string) means no proxy; with nothing else set it is the same as O(state=absent).
      - At most 2,083 characters in all; a host name at most 253 characters.
    type: raw
  bypass:
    description:
      - Hosts reached without the proxy, in order. V(<local>) bypasses every host name without a dot.
      - Entries may not contain spaces, quotes, V(;), control or non-ASCII characters.
      - WinINET uses the list only with O(proxy). Omit it or give V([]) or V('') for no bypass list.
      - At most 1,000 entries of at most 1,024 characters. V(*) (bypass everything) and duplicate entries warn.
    type: list
    elements: str
  auto_config_url:
    description:
      - The URL of a proxy auto-config (PAC) file, V(http://) or V(https://), at most 2,083 characters.
      - Unlike M(ansible.windows.win_inet_proxy), V('') is refused rather than read as "no PAC URL", because alone it
        would silently mean direct access. Leave the option out instead.
    type: str
  auto_detect:
    description:
      - Whether WinINET looks for a proxy with WPAD. Off unless you ask for it.
      - M(ansible.windows.win_inet_proxy) defaults this to V(true). Here it is V(false) on purpose, because WPAD lets
        whoever answers for C(wpad) on the network choose the proxy, and Microsoft's proxy guidance for
        Delivery Optimization and Defender for Endpoint recommends a fixed proxy. Give O(auto_detect=true) to
        keep the stock module's behaviour.
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
      - V(absent) sets direct access (blobs without proxy, PAC or auto-detect, C(ProxyEnable=0), C(AutoConfigURL)
        removed, C(ProxyServer) and C(ProxyOverride) removed if they were in use) and removes the
        C(ProxySettingsPerUser) policy value. A missing C(ProxyEnable) already means C(0).
    type: str
    choices: [present, absent]
    default: present
  clear_disabled:
    description:
      - Settings compare by what WinINET does. Text Windows keeps but does not use, a proxy or PAC URL whose box is
        unticked (its flag off), a bypass list without a proxy, C(ProxyServer) and C(ProxyOverride) beside
        C(ProxyEnable=0), never counts as drift and is kept when the blob is rewritten, as the Internet Options
        dialog keeps it.
      - V(true) removes that text too, and its presence then counts as drift.
    type: bool
    default: false
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
  description:
  - The per-machine mode and, per view, the proxy, PAC URL and auto-detect WinINET uses from the blob (null
    when unused), the stored bypass list, under C(disabled) the proxy or PAC URL text the blob keeps without using
    it (only when there is some), and the flat values.
  - 'Keyed by registry view, V(64) and V(32) (the views in O(views)), each as in the sample (the numbers
    are not names Jinja can reach with a dot: write C([''64''])). A view whose stored value cannot
    be decoded also has C(error), saying why.'
  returned: always
  type: dict
  sample:
    per_machine: false
    '64':
      proxy: proxy.corp.example:8080
      bypass:
      - <local>
      auto_config_url: null
      auto_detect: false
      flat:
        ProxyEnable: 1
        ProxyServer: proxy.corp.example:8080
        ProxyOverride: <local>
        AutoConfigURL: null
    '32':
      proxy: proxy.corp.example:8080
      bypass:
      - <local>
      auto_config_url: null
      auto_detect: false
  contains:
    per_machine:
      description: Whether WinINET runs per machine (C(ProxySettingsPerUser=0)).
      type: bool
after:
  description:
  - The same after the task; in check mode, what it would be.
  - 'Keyed by registry view, V(64) and V(32) (the views in O(views)), each as in the sample (the numbers
    are not names Jinja can reach with a dot: write C([''64''])). A view whose stored value cannot
    be decoded also has C(error), saying why.'
  returned: always
  type: dict
  contains:
    per_machine:
      description: Whether WinINET runs per machine (C(ProxySettingsPerUser=0)).
      type: bool
  sample:
    '64':
      proxy: proxy.corp.example:8080
      bypass:
      - <local>
      auto_config_url: null
      auto_detect: false
      flat:
        ProxyEnable: 1
        ProxyServer: proxy.corp.example:8080
        ProxyOverride: <local>
        AutoConfigURL: null
    '32':
      proxy: proxy.corp.example:8080
      bypass:
      - <local>
      auto_config_url: null
      auto_detect: false
drift:
  description: Every setting that differs from what was asked, C([]) when compliant.
  returned: always
  type: list
  elements: dict
  sample:
  - setting: wininet.per_machine
    current: false
    desired: true
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
      description: The registry key the owner's value is in (for mdm, the Policy CSP store's area key, or
        for the Network Proxy CSP the node cache's C(Nodes) key).
      returned: for group_policy, mdm, group_policy_preferences and preference
      type: str
      sample: HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization
    value:
      description: The registry value name the owner sets.
      returned: for mdm (Policy CSP), group_policy_preferences and preference
      type: str
      sample: DODownloadMode
    area:
      description: The Policy CSP area.
      returned: for mdm (Policy CSP)
      type: str
      sample: DeliveryOptimization
    policy:
      description: The Policy CSP policy.
      returned: for mdm (Policy CSP)
      type: str
      sample: DODownloadMode
    csp:
      description: The policy's CSP node, as an Intune custom profile names it; for the Network
        Proxy CSP, the CSP and the nodes of it that set the value.
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
    nodes:
      description:
        - For the Network Proxy CSP (the device-wide WinINET proxy an MDM server sets), each node of it that the
          MDM server's node cache records for this value; unverified, see C(docs/owners.md).
      returned: for mdm, when the Network Proxy CSP sets the value
      type: list
      elements: dict
      contains:
        node:
          description: The node cache's registry key of the node.
          type: str
          sample: HKLM\SOFTWARE\Microsoft\Provisioning\NodeCache\CSP\Device\MS DM Server\Nodes\14
        csp:
          description: The node's URI as the node cache holds it (C(NodeUri)).
          type: str
          sample: ./Vendor/MSFT/NetworkProxy/ProxyServer/ProxyAddress
        expected_value:
          description: What the MDM server expects the node to hold (C(ExpectedValue)), as stored;
            null without one.
          type: raw
          sample: proxy.corp.example:8080
    effective:
      description: The value the MDM store holds, in option terms.
      returned: for mdm (Policy CSP)
      type: raw
      sample: group
    mdm_wins_over_gp:
      description: Whether C(MDMWinsOverGP) is set, which makes the MDM value win over Group Policy.
      returned: for mdm (Policy CSP)
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
      description: The registry key the owner's value is in (for mdm, the Policy CSP store's area key, or
        for the Network Proxy CSP the node cache's C(Nodes) key).
      returned: for group_policy, mdm, group_policy_preferences and preference
      type: str
      sample: HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization
    value:
      description: The registry value name the owner sets.
      returned: for mdm (Policy CSP), group_policy_preferences and preference
      type: str
      sample: DODownloadMode
    area:
      description: The Policy CSP area.
      returned: for mdm (Policy CSP)
      type: str
      sample: DeliveryOptimization
    policy:
      description: The Policy CSP policy.
      returned: for mdm (Policy CSP)
      type: str
      sample: DODownloadMode
    csp:
      description: The policy's CSP node, as an Intune custom profile names it; for the Network
        Proxy CSP, the CSP and the nodes of it that set the value.
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
    nodes:
      description:
        - For the Network Proxy CSP (the device-wide WinINET proxy an MDM server sets), each node of it that the
          MDM server's node cache records for this value; unverified, see C(docs/owners.md).
      returned: for mdm, when the Network Proxy CSP sets the value
      type: list
      elements: dict
      contains:
        node:
          description: The node cache's registry key of the node.
          type: str
          sample: HKLM\SOFTWARE\Microsoft\Provisioning\NodeCache\CSP\Device\MS DM Server\Nodes\14
        csp:
          description: The node's URI as the node cache holds it (C(NodeUri)).
          type: str
          sample: ./Vendor/MSFT/NetworkProxy/ProxyServer/ProxyAddress
        expected_value:
          description: What the MDM server expects the node to hold (C(ExpectedValue)), as stored;
            null without one.
          type: raw
          sample: proxy.corp.example:8080
    effective:
      description: The value the MDM store holds, in option terms.
      returned: for mdm (Policy CSP)
      type: raw
      sample: group
    mdm_wins_over_gp:
      description: Whether C(MDMWinsOverGP) is set, which makes the MDM value win over Group Policy.
      returned: for mdm (Policy CSP)
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
