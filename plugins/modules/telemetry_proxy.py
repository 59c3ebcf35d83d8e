#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.telemetry_proxy; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: telemetry_proxy
short_description: Audit and set the Defender for Endpoint telemetry proxy
version_added: 0.1.0
description:
  - Manages the static proxy the Defender for Endpoint sensor (and Microsoft Purview endpoint DLP) use to reach
    the service, the C(TelemetryProxyServer) and C(DisableEnterpriseAuthProxy) policy values under
    C(HKLM\SOFTWARE\Policies\Microsoft\Windows\DataCollection), and C(PreferStaticProxyForHttpRequest) under
    C(HKLM\SOFTWARE\Policies\Microsoft\Windows Advanced Threat Protection).
  - If the telemetry proxy is unreachable the sensor falls back to a direct connection; it also uses the WinHTTP
    default proxy (M(proxyfleet.windows.winhttp_proxy)).
  - Values it does not manage, in the same keys or elsewhere, are left alone. O(state=absent) removes exactly the
    three values above that exist, never the keys.
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
  proxy:
    description:
      - The proxy as V(host:port) or V(ip:port), for example V(10.0.0.6:8080). No scheme; V(http://) is an error.
      - An IPv6 address goes in brackets, V([fd00::1]:8080); without them the port is ambiguous and an error. A zone
        id only as an interface number or a name of letters, digits, V(_), V(-) and V(.).
      - At most 2,083 characters in all; a host name at most 253 characters.
      - Required when O(state=present).
    type: str
  disable_enterprise_auth_proxy:
    description:
      - Sets C(DisableEnterpriseAuthProxy). Defender for Endpoint requires V(true) (value C(1)); V(false) writes
        C(0) and warns.
    type: bool
    default: true
  prefer_static_proxy_for_http_request:
    description:
      - Sets C(PreferStaticProxyForHttpRequest), so the sensor also uses the static proxy for its certificate
        revocation and other HTTP requests. Needed on devices that are otherwise offline.
      - Honoured from sensor (MsSense) versions 10.8210.* and 10.8049.* on; older sensors ignore it.
      - Omit it to leave the value as it is.
    type: bool
  state:
    description:
      - V(present) sets the values; V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
author:
  - proxyfleet.windows contributors (@proxyfleet)
seealso:
  - module: proxyfleet.windows.defender_proxy
  - module: proxyfleet.windows.winhttp_proxy
  - name: Configure device proxy and Internet connectivity settings (Defender for Endpoint)
    description: Microsoft's guidance this module follows.
    link: https://learn.microsoft.com/defender-endpoint/configure-proxy-internet
"""

EXAMPLES = r"""
- name: Point the MDE sensor at the corporate proxy
  proxyfleet.windows.telemetry_proxy:
    proxy: 10.0.0.6:8080

- name: Offline device that reaches the service only through the static proxy
  proxyfleet.windows.telemetry_proxy:
    proxy: proxy.corp.example:8080
    prefer_static_proxy_for_http_request: true

- name: Remove the telemetry proxy values
  proxyfleet.windows.telemetry_proxy:
    state: absent
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
    proxy: 10.0.0.6:8080
    disable_enterprise_auth_proxy: null
    prefer_static_proxy_for_http_request: null
  contains:
    proxy:
      description: C(TelemetryProxyServer), null when not set.
      type: str
      sample: proxy.corp.example:8080
    disable_enterprise_auth_proxy:
      description: C(DisableEnterpriseAuthProxy), null when not set.
      type: bool
    prefer_static_proxy_for_http_request:
      description: C(PreferStaticProxyForHttpRequest), null when not set.
      type: bool
after:
  description: The settings after the task; in check mode, what they would be.
  returned: always
  type: dict
  sample:
    proxy: 10.0.0.6:8080
    disable_enterprise_auth_proxy: true
    prefer_static_proxy_for_http_request: null
  contains:
    proxy:
      description: C(TelemetryProxyServer), null when not set.
      type: str
      sample: proxy.corp.example:8080
    disable_enterprise_auth_proxy:
      description: C(DisableEnterpriseAuthProxy), null when not set.
      type: bool
    prefer_static_proxy_for_http_request:
      description: C(PreferStaticProxyForHttpRequest), null when not set.
      type: bool
drift:
  description: Every setting that differs from what was asked, C([]) when compliant.
  returned: always
  type: list
  elements: dict
  sample:
  - setting: telemetry.disable_enterprise_auth_proxy
    current: null
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
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_telemetry import TELEMETRY_SPEC

ARGUMENT_SPEC = TELEMETRY_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.telemetry_proxy")


if __name__ == "__main__":
    main()
