#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.defender_proxy; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: defender_proxy
short_description: Audit and set the Defender Antivirus proxy policy
version_added: 0.1.0
description:
  - Manages the proxy Microsoft Defender Antivirus uses for cloud-delivered protection and security intelligence
    updates, the policy values C(ProxyServer), C(ProxyPacUrl) and C(ProxyBypass) under
    C(HKLM\SOFTWARE\Policies\Microsoft\Windows Defender) and C(SSLOptions) under its C(Spynet) subkey.
  - Defender Antivirus tries the proxy server, then the PAC file, then a direct connection, then the system
    settings. It does not use this proxy for Windows Update downloads, caches the last working proxy, and must not
    go through TLS inspection.
  - Policy values win over C(Set-MpPreference -ProxyServer) (which writes the non-policy store).
  - Options you omit are left as they are. O(state=absent) removes exactly the four values above that exist,
    never the keys or other values in them.
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
options:
  proxy_server:
    description:
      - The proxy as a URL with its scheme, V(http://host:port) or V(https://host:port), for example
        V(http://10.0.0.6:8080). Microsoft's Defender for Endpoint proxy page says the value must start with
        C(http://) or C(https://); what Defender Antivirus does with a value without one is not documented, so
        that is an error.
      - At most 2,083 characters.
    type: str
  pac_url:
    description:
      - The URL of a proxy auto-config (PAC) file, V(http://) or V(https://), at most 2,083 characters.
    type: str
  bypass:
    description:
      - Addresses Defender Antivirus reaches without the proxy, written V(;)-separated (Microsoft does not document
        the separator; V(;) is what WinINET uses).
      - Entries may not contain spaces, quotes, V(;), control or non-ASCII characters.
      - At most 1,000 entries of at most 1,024 characters. V(*) (bypass everything) and duplicate entries warn.
    type: list
    elements: str
  ssl_options:
    description:
      - C(SSLOptions) under C(Spynet), for offline devices behind a static proxy.
      - The four values Microsoft documents - V(0) disable certificate pinning and revocation checks, V(1) disable
        certificate pinning, V(2) disable revocation checks only, V(3) both on (the default).
      - V(2) is what Microsoft's current Defender for Endpoint proxy page gives for offline devices (it keeps
        pinning); V(0) is the older guidance. Both are a work-around - Microsoft's preferred fix is a system-wide
        WinHTTP proxy (M(proxyfleet.windows.winhttp_proxy)) through which the operating system fetches the
        certificate revocation lists.
    type: int
  state:
    description:
      - V(present) sets the given values; V(absent) removes all four.
    type: str
    choices: [present, absent]
    default: present
author:
  - proxyfleet.windows contributors (@proxyfleet)
seealso:
  - module: proxyfleet.windows.telemetry_proxy
  - name: Configure device proxy and Internet connectivity settings (Defender for Endpoint)
    description: Microsoft's guidance for the three proxies MDE needs.
    link: https://learn.microsoft.com/defender-endpoint/configure-proxy-internet
"""

EXAMPLES = r"""
- name: Defender Antivirus through the corporate proxy, corporate hosts direct
  proxyfleet.windows.defender_proxy:
    proxy_server: http://proxy.corp.example:8080
    bypass:
      - "*.corp.example"

- name: Use a PAC file instead
  proxyfleet.windows.defender_proxy:
    pac_url: http://proxy.corp.example/proxy.pac

- name: Offline device with a static proxy
  proxyfleet.windows.defender_proxy:
    proxy_server: http://10.0.0.6:8080
    ssl_options: 2
"""

RETURN = r"""
changed:
  description: Whether a value was (or in check mode would be) written or removed.
  returned: always
  type: bool
before:
  description: The settings as found; null for a value that does not exist.
  returned: always
  type: dict
  sample:
    proxy_server: 10.0.0.6:8080
    pac_url: null
    bypass: null
    ssl_options: null
  contains:
    proxy_server:
      description: C(ProxyServer), null when not set.
      type: str
      sample: http://proxy.corp.example:8080
    pac_url:
      description: C(ProxyPacUrl), null when not set.
      type: str
    bypass:
      description: C(ProxyBypass) as a list, null when not set.
      type: list
      elements: str
    ssl_options:
      description: C(SSLOptions), null when not set.
      type: int
after:
  description: The settings after the task; in check mode, what they would be.
  returned: always
  type: dict
  sample:
    proxy_server: http://10.0.0.6:8080
    pac_url: null
    bypass: null
    ssl_options: null
  contains:
    proxy_server:
      description: C(ProxyServer), null when not set.
      type: str
      sample: http://proxy.corp.example:8080
    pac_url:
      description: C(ProxyPacUrl), null when not set.
      type: str
    bypass:
      description: C(ProxyBypass) as a list, null when not set.
      type: list
      elements: str
    ssl_options:
      description: C(SSLOptions), null when not set.
      type: int
drift:
  description: Every setting that differs from what was asked, C([]) when compliant.
  returned: always
  type: list
  elements: dict
  sample:
  - setting: defender.proxy_server
    current: 10.0.0.6:8080
    desired: http://10.0.0.6:8080
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
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_defender import DEFENDER_SPEC

ARGUMENT_SPEC = DEFENDER_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.defender_proxy")


if __name__ == "__main__":
    main()
