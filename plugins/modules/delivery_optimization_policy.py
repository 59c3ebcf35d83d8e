#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docs and argument spec of proxyfleet.windows.delivery_optimization_policy; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: delivery_optimization_policy
short_description: Audit and set Delivery Optimization download mode, group and Connected Cache policy
version_added: 0.1.0
description:
  - Manages the Delivery Optimization policy values under
    C(HKLM\SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization) that decide how Windows Update, Store and
    Intune content is downloaded when a proxy is in the way.
  - When devices cannot reach C(*.prod.do.dsp.mp.microsoft.com) directly, download mode V(group) with a group id
    or group id source is Microsoft's documented fallback.
  - Options you omit are left as they are. O(state=absent) removes exactly the six values this module manages,
    never the key or other values in it.
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
  download_mode:
    description:
      - C(DODownloadMode), by name or by the policy's number.
      - V(http_only) (0), V(lan) (1, the Windows default), V(group) (2), V(internet) (3), V(simple) (99, no
        Delivery Optimization cloud services), V(bypass) (100, deprecated and ignored on Windows 11; warns).
    type: raw
  group_id:
    description:
      - C(DOGroupId), a GUID; used only with O(download_mode=group).
      - Windows ignores it when C(DOGroupIdSource) is set (Delivery Optimization reference, DOGroupIdSource -
        "If you set this policy, the GroupID policy will be ignored"), so do not set both; giving both warns
        and proxy_facts reports finding DO007.
    type: str
  group_id_source:
    description:
      - C(DOGroupIdSource), where the group comes from; when set (other than 0), it wins over O(group_id), which
        Windows then ignores.
    type: str
    choices: [ad_site, domain_sid, dhcp, dns_suffix, entra_tenant]
  cache_hosts:
    description:
      - C(DOCacheHost), the Microsoft Connected Cache servers (FQDN or IP), tried in the order given.
      - An IPv6 address needs no brackets. Numbers (unquoted in YAML) are errors.
      - At most 1,000 entries; a host name at most 253 characters.
    type: list
    elements: str
  cache_host_source:
    description:
      - C(DOCacheHostSource), V(dhcp_option_235) (1) or V(dhcp_option_235_forced) (2).
    type: str
    choices: [dhcp_option_235, dhcp_option_235_forced]
  disallow_cache_server_downloads_on_vpn:
    description:
      - C(DODisallowCacheServerDownloadsOnVPN), block downloads from Connected Cache while on VPN.
    type: bool
  state:
    description:
      - V(present) sets the given values; V(absent) removes all six.
    type: str
    choices: [present, absent]
    default: present
author:
  - proxyfleet.windows contributors (@proxyfleet)
seealso:
  - module: proxyfleet.windows.winhttp_proxy
  - name: Delivery Optimization and proxy
    description: Which proxy Delivery Optimization uses in which context, and the documented fallbacks.
    link: https://learn.microsoft.com/windows/deployment/do/delivery-optimization-proxy
"""

EXAMPLES = r"""
- name: Peer within an explicit group when the DO cloud cannot be reached directly
  proxyfleet.windows.delivery_optimization_policy:
    download_mode: group
    group_id: 8a6e2a3c-3f0b-4d7e-9a53-2b2f8a1f0c11

- name: Connected Cache servers in order of preference
  proxyfleet.windows.delivery_optimization_policy:
    cache_hosts:
      - mcc1.corp.example
      - mcc2.corp.example
"""

RETURN = r"""
changed:
  description: Whether a value was (or in check mode would be) written or removed.
  returned: always
  type: bool
before:
  description: The settings as found; null for a value that does not exist. Modes and sources by name.
  returned: always
  type: dict
  sample:
    download_mode: group
    group_id: null
    group_id_source: null
    cache_hosts: null
    cache_host_source: null
    disallow_cache_server_downloads_on_vpn: null
  contains:
    download_mode:
      description: C(DODownloadMode) by name (V(lan), V(group), ...), null when not set.
      type: str
      sample: lan
    group_id:
      description: C(DOGroupId), null when not set.
      type: str
    group_id_source:
      description: C(DOGroupIdSource) by name, null when not set.
      type: str
    cache_hosts:
      description: C(DOCacheHost) as a list, null when not set.
      type: list
      elements: str
    cache_host_source:
      description: C(DOCacheHostSource) by name, null when not set.
      type: str
    disallow_cache_server_downloads_on_vpn:
      description: C(DODisallowCacheServerDownloadsOnVPN), null when not set.
      type: bool
after:
  description: The settings after the task; in check mode, what they would be.
  returned: always
  type: dict
  contains:
    download_mode:
      description: C(DODownloadMode) by name (V(lan), V(group), ...), null when not set.
      type: str
      sample: lan
    group_id:
      description: C(DOGroupId), null when not set.
      type: str
    group_id_source:
      description: C(DOGroupIdSource) by name, null when not set.
      type: str
    cache_hosts:
      description: C(DOCacheHost) as a list, null when not set.
      type: list
      elements: str
    cache_host_source:
      description: C(DOCacheHostSource) by name, null when not set.
      type: str
    disallow_cache_server_downloads_on_vpn:
      description: C(DODisallowCacheServerDownloadsOnVPN), null when not set.
      type: bool
drift:
  description: Every setting that differs from what was asked, C([]) when compliant.
  returned: always
  type: list
  elements: dict
  sample:
  - setting: delivery_optimization.group_id
    current: null
    desired: 8a6e2a3c-3f0b-4d7e-9a53-2b2f8a1f0c11
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
      description: The Group Policy that sets the value, per the host's Resultant Set of Policy; the
        value is left alone unless O(override_gpo=true).
      returned: when a GPO sets the value
      type: dict
      contains:
        gpo_name:
          description: The GPO's display name.
          type: str
          sample: Contoso MDE proxy
        gpo_id:
          description: The GPO's directory path.
          type: str
          sample: cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com
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
  description: The on-host backup of the prior values; null when nothing was written.
  returned: always
  type: str
  sample: 20261123T103000123456Z-1a2b3c4d
"""

# The spec lives in module_utils so proxy_baseline takes exactly the same options.
from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_delivery_optimization import (
    DELIVERY_OPTIMIZATION_SPEC,
)

ARGUMENT_SPEC = DELIVERY_OPTIMIZATION_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.delivery_optimization_policy")


if __name__ == "__main__":
    main()
