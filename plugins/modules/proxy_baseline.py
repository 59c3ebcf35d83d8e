#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.proxy_baseline; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: proxy_baseline
short_description: Audit and set every proxy surface of a Windows host in one round trip
version_added: 0.1.0
description:
  - Checks and fixes, in one task, any of the proxy surfaces the single modules manage - the device-wide WinINET
    proxy, the WinHTTP default proxy, the Defender for Endpoint telemetry proxy, the Defender Antivirus proxy policy
    and the Delivery Optimization policy - each given as a sub-dictionary taking exactly the options of its module.
  - All surfaces are read with one host command and everything that differs is written with one more, with one
    on-host backup and one rollback covering every surface. A compliant host costs one WinRM command, where the
    same checks as separate tasks cost one each.
  - Surfaces are planned in the order WinINET, WinHTTP, telemetry, Defender, Delivery Optimization, so
    O(winhttp.source=wininet) copies the WinINET settings this same task writes.
extends_documentation_fragment:
  - proxyfleet.windows._attributes
  - proxyfleet.windows._surface
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.facts
attributes:
  action_group:
    support: none
    membership: []
    details: In no action group; it shares no option with another module of the collection.
  facts:
    support: partial
    details: Sets C(ansible_facts.windows_proxy), as M(proxyfleet.windows.proxy_facts) does, only with O(facts=true).
options:
  wininet:
    description:
    - The options of M(proxyfleet.windows.wininet_proxy), exactly. Omit it to leave
      this surface alone.
    type: dict
    suboptions:
      proxy:
        description:
        - The proxy as V(host:port), or per scheme as the string V(http=host:port;https=host:port)
          or a dict of scheme to V(host:port) (schemes V(http), V(https), V(ftp),
          V(socks)), written as C(http=host:port;https=host:port).
        - As in M(ansible.windows.win_inet_proxy), the port may be left out (the proxy
          is then reached on port 80; unverified, see the migration guide) and a V(http://)
          prefix, as the Internet Options dialog stores it, is accepted. The value
          is written as given and compares equal to the same proxy on port 80 or without
          the prefix.
        - V('') (an empty string) means no proxy; with nothing else set it is the
          same as O(wininet.state=absent).
        - At most 2,083 characters in all; a host name at most 253 characters.
        type: raw
      bypass:
        description:
        - Hosts reached without the proxy, in order. V(<local>) bypasses every host
          name without a dot.
        - Entries may not contain spaces, quotes, V(;), control or non-ASCII characters.
        - WinINET uses the list only with O(wininet.proxy). Omit it or give V([])
          or V('') for no bypass list.
        - At most 1,000 entries of at most 1,024 characters. V(*) (bypass everything)
          and duplicate entries warn.
        type: list
        elements: str
      auto_config_url:
        description:
        - The URL of a proxy auto-config (PAC) file, V(http://) or V(https://), at
          most 2,083 characters.
        - Unlike M(ansible.windows.win_inet_proxy), V('') is refused rather than read
          as "no PAC URL", because alone it would silently mean direct access. Leave
          the option out instead.
        type: str
      auto_detect:
        description:
        - Whether WinINET looks for a proxy with WPAD. Off unless you ask for it.
        - M(ansible.windows.win_inet_proxy) defaults this to V(true). Here it is V(false)
          on purpose, because WPAD lets whoever answers for C(wpad) on the network
          choose the proxy, and Microsoft's proxy guidance for Delivery Optimization
          and Defender for Endpoint recommends a fixed proxy. Give O(wininet.auto_detect=true)
          to keep the stock module's behaviour.
        type: bool
        default: false
      per_machine:
        description:
        - V(true) sets the C(ProxySettingsPerUser) policy to C(0), so these settings
          apply to every user and service.
        - V(false) leaves the policy as it is. In per-user mode neither signed-in
          users nor NetworkService use the machine settings (Microsoft's Delivery
          Optimization proxy tables), and a warning says so.
        type: bool
        default: true
      state:
        description:
        - V(present) sets the proxy. At least one of O(wininet.proxy), O(wininet.auto_config_url)
          or O(wininet.auto_detect=true) is required.
        - V(absent) sets direct access (blobs without proxy, PAC or auto-detect, C(ProxyEnable=0),
          C(AutoConfigURL) removed, C(ProxyServer) and C(ProxyOverride) removed if
          they were in use) and removes the C(ProxySettingsPerUser) policy value.
          A missing C(ProxyEnable) already means C(0).
        type: str
        choices:
        - present
        - absent
        default: present
      clear_disabled:
        description:
        - Settings compare by what WinINET does. Text Windows keeps but does not use,
          a proxy or PAC URL whose box is unticked (its flag off), a bypass list without
          a proxy, C(ProxyServer) and C(ProxyOverride) beside C(ProxyEnable=0), never
          counts as drift and is kept when the blob is rewritten, as the Internet
          Options dialog keeps it.
        - V(true) removes that text too, and its presence then counts as drift.
        type: bool
        default: false
      views:
        description:
        - The registry views to check and write; each element is V(64) or V(32). The
          policy value is always in the 64-bit view.
        type: list
        elements: int
        default:
        - 64
        - 32
      override_owner:
        description:
        - A value that Group Policy (per the host's Resultant Set of Policy), an MDM server such as
          Intune (the Policy CSP store under C(HKLM\SOFTWARE\Microsoft\PolicyManager)) or a Group
          Policy Preferences registry item sets comes back at the next policy refresh or MDM sync,
          or, written as policy over an MDM value, silently takes the place of the MDM profile. By
          default such a value is not changed; all of this is read in the same host command as the
          settings.
        - It is reported in C(held), not in C(drift), with its C(owner) (V(group_policy), V(mdm) or
          V(group_policy_preferences)) and the policy, profile or preference item that sets it, and
          a warning that says what to change instead. It does not make the task C(changed).
        - List the owners whose values the task may write anyway, with a warning, for example V([mdm]).
        - Values of the Defender preference store (V(preference), C(Set-MpPreference)) and local values
          are never held. See the collection's C(docs/owners.md).
        type: list
        elements: str
        choices:
        - group_policy
        - mdm
        - group_policy_preferences
        default: []
      override_gpo:
        description:
        - V(true) is the same as naming V(group_policy) in O(wininet.override_owner), kept for playbooks
          written before it.
        type: bool
        default: false
  winhttp:
    description:
    - The options of M(proxyfleet.windows.winhttp_proxy), exactly. Omit it to leave
      this surface alone.
    type: dict
    suboptions:
      proxy:
        description:
        - The proxy as V(host:port), or per scheme as the string V(http=host:port;https=host:port)
          (the form this module returns and C(netsh winhttp show proxy) shows) or
          as a dict of scheme to V(host:port) (schemes V(http), V(https), V(ftp),
          V(socks)), written as C(http=host:port;https=host:port).
        - The host is a host name, an IPv4 address or a bracketed IPv6 address such
          as V([fd00::1]); the port is 1-65535. As in M(ansible.windows.win_http_proxy),
          the port may be left out (the proxy is then reached on port 80; which port
          WinHTTP fills in is unverified, see the migration guide) and a V(http://)
          prefix is accepted; the value is written as given and compares equal to
          the same proxy on port 80 or without the prefix.
        - V('') (an empty string) means direct access, as in M(ansible.windows.win_http_proxy),
          the same as O(winhttp.state=absent).
        - At most 2,083 characters in all; a host name at most 253 characters.
        - Required when O(winhttp.state=present) unless O(winhttp.source) is set.
        type: raw
      bypass:
        description:
        - Hosts that are reached directly, in order. Host names, addresses and wildcard
          patterns such as V(*.corp.example) or V(10.*); V(<local>) bypasses every
          host name without a dot, V(<-loopback>) sends loopback addresses through
          the proxy.
        - Entries may not contain spaces, quotes, V(;), control or non-ASCII characters.
        - Omit it or give V([]) or V('') for no bypass list.
        - At most 1,000 entries of at most 1,024 characters. V(*) (bypass everything)
          and duplicate entries warn.
        type: list
        elements: str
      state:
        description:
        - V(present) sets the named proxy; V(absent) sets direct access, like C(netsh
          winhttp reset proxy).
        type: str
        choices:
        - present
        - absent
        default: present
      views:
        description:
        - The registry views to check and write. 64-bit processes read the 64-bit
          view, 32-bit processes on 64-bit Windows the 32-bit one (C(WOW6432Node)).
        - Each element is V(64) or V(32).
        type: list
        elements: int
        default:
        - 64
        - 32
      source:
        description:
        - V(wininet) copies the proxy and bypass list from the machine's WinINET settings
          (the 64-bit C(DefaultConnectionSettings) that M(proxyfleet.windows.wininet_proxy)
          manages), like C(netsh winhttp import proxy source=ie) but from the device-wide
          settings, not from the profile of the account WinRM connects with. No proxy
          there means direct access.
        - Like netsh, only the manual proxy is copied. A PAC URL or auto-detection
          cannot be expressed in WinHTTP and is reported as a warning, as is a machine
          that is not in per-machine proxy mode.
        - Cannot be combined with O(winhttp.proxy), O(winhttp.bypass) or O(winhttp.state=absent).
        - In M(proxyfleet.windows.proxy_baseline) it copies the WinINET settings the
          same task writes.
        - V(ie) is the same as V(wininet), the name M(ansible.windows.win_http_proxy)
          uses. Unlike that module, which imports the settings of the account it connects
          with, both copy the device-wide settings.
        type: str
        choices:
        - wininet
        - ie
      override_owner:
        description:
        - A value that Group Policy (per the host's Resultant Set of Policy), an MDM server such as
          Intune (the Policy CSP store under C(HKLM\SOFTWARE\Microsoft\PolicyManager)) or a Group
          Policy Preferences registry item sets comes back at the next policy refresh or MDM sync,
          or, written as policy over an MDM value, silently takes the place of the MDM profile. By
          default such a value is not changed; all of this is read in the same host command as the
          settings.
        - It is reported in C(held), not in C(drift), with its C(owner) (V(group_policy), V(mdm) or
          V(group_policy_preferences)) and the policy, profile or preference item that sets it, and
          a warning that says what to change instead. It does not make the task C(changed).
        - List the owners whose values the task may write anyway, with a warning, for example V([mdm]).
        - Values of the Defender preference store (V(preference), C(Set-MpPreference)) and local values
          are never held. See the collection's C(docs/owners.md).
        type: list
        elements: str
        choices:
        - group_policy
        - mdm
        - group_policy_preferences
        default: []
      override_gpo:
        description:
        - V(true) is the same as naming V(group_policy) in O(winhttp.override_owner), kept for playbooks
          written before it.
        type: bool
        default: false
  telemetry:
    description:
    - The options of M(proxyfleet.windows.telemetry_proxy), exactly. Omit it to leave
      this surface alone.
    type: dict
    suboptions:
      proxy:
        description:
        - The proxy as V(host:port) or V(ip:port), for example V(10.0.0.6:8080). No
          scheme; V(http://) is an error.
        - An IPv6 address goes in brackets, V([fd00::1]:8080); without them the port
          is ambiguous and an error. A zone id only as an interface number or a name
          of letters, digits, V(_), V(-) and V(.).
        - At most 2,083 characters in all; a host name at most 253 characters.
        - Required when O(telemetry.state=present).
        type: str
      disable_enterprise_auth_proxy:
        description:
        - Sets C(DisableEnterpriseAuthProxy). Defender for Endpoint requires V(true)
          (value C(1)); V(false) writes C(0) and warns.
        type: bool
        default: true
      prefer_static_proxy_for_http_request:
        description:
        - Sets C(PreferStaticProxyForHttpRequest), so the sensor also uses the static
          proxy for its certificate revocation and other HTTP requests. Needed on
          devices that are otherwise offline.
        - Honoured from sensor (MsSense) versions 10.8210.* and 10.8049.* on; older
          sensors ignore it.
        - Omit it to leave the value as it is.
        type: bool
      state:
        description:
        - V(present) sets the values; V(absent) removes them.
        type: str
        choices:
        - present
        - absent
        default: present
      override_owner:
        description:
        - A value that Group Policy (per the host's Resultant Set of Policy), an MDM server such as
          Intune (the Policy CSP store under C(HKLM\SOFTWARE\Microsoft\PolicyManager)) or a Group
          Policy Preferences registry item sets comes back at the next policy refresh or MDM sync,
          or, written as policy over an MDM value, silently takes the place of the MDM profile. By
          default such a value is not changed; all of this is read in the same host command as the
          settings.
        - It is reported in C(held), not in C(drift), with its C(owner) (V(group_policy), V(mdm) or
          V(group_policy_preferences)) and the policy, profile or preference item that sets it, and
          a warning that says what to change instead. It does not make the task C(changed).
        - List the owners whose values the task may write anyway, with a warning, for example V([mdm]).
        - Values of the Defender preference store (V(preference), C(Set-MpPreference)) and local values
          are never held. See the collection's C(docs/owners.md).
        type: list
        elements: str
        choices:
        - group_policy
        - mdm
        - group_policy_preferences
        default: []
      override_gpo:
        description:
        - V(true) is the same as naming V(group_policy) in O(telemetry.override_owner), kept for playbooks
          written before it.
        type: bool
        default: false
  defender:
    description:
    - The options of M(proxyfleet.windows.defender_proxy), exactly. Omit it to leave
      this surface alone.
    type: dict
    suboptions:
      proxy_server:
        description:
        - The proxy as a URL with its scheme, V(http://host:port) or V(https://host:port),
          for example V(http://10.0.0.6:8080). Microsoft's Defender for Endpoint proxy
          page says the value must start with C(http://) or C(https://); what Defender
          Antivirus does with a value without one is not documented, so that is an
          error.
        - At most 2,083 characters.
        type: str
      pac_url:
        description:
        - The URL of a proxy auto-config (PAC) file, V(http://) or V(https://), at
          most 2,083 characters.
        type: str
      bypass:
        description:
        - Addresses Defender Antivirus reaches without the proxy, written V(;)-separated
          (Microsoft does not document the separator; V(;) is what WinINET uses).
        - Entries may not contain spaces, quotes, V(;), control or non-ASCII characters.
        - At most 1,000 entries of at most 1,024 characters. V(*) (bypass everything)
          and duplicate entries warn.
        type: list
        elements: str
      ssl_options:
        description:
        - C(SSLOptions) under C(Spynet), for offline devices behind a static proxy.
        - The four values Microsoft documents - V(0) disable certificate pinning and
          revocation checks, V(1) disable certificate pinning, V(2) disable revocation
          checks only, V(3) both on (the default).
        - V(2) is what Microsoft's current Defender for Endpoint proxy page gives
          for offline devices (it keeps pinning); V(0) is the older guidance. Both
          are a work-around - Microsoft's preferred fix is a system-wide WinHTTP proxy
          (M(proxyfleet.windows.winhttp_proxy)) through which the operating system
          fetches the certificate revocation lists.
        type: int
      state:
        description:
        - V(present) sets the given values; V(absent) removes all four.
        type: str
        choices:
        - present
        - absent
        default: present
      override_owner:
        description:
        - A value that Group Policy (per the host's Resultant Set of Policy), an MDM server such as
          Intune (the Policy CSP store under C(HKLM\SOFTWARE\Microsoft\PolicyManager)) or a Group
          Policy Preferences registry item sets comes back at the next policy refresh or MDM sync,
          or, written as policy over an MDM value, silently takes the place of the MDM profile. By
          default such a value is not changed; all of this is read in the same host command as the
          settings.
        - It is reported in C(held), not in C(drift), with its C(owner) (V(group_policy), V(mdm) or
          V(group_policy_preferences)) and the policy, profile or preference item that sets it, and
          a warning that says what to change instead. It does not make the task C(changed).
        - List the owners whose values the task may write anyway, with a warning, for example V([mdm]).
        - Values of the Defender preference store (V(preference), C(Set-MpPreference)) and local values
          are never held. See the collection's C(docs/owners.md).
        type: list
        elements: str
        choices:
        - group_policy
        - mdm
        - group_policy_preferences
        default: []
      override_gpo:
        description:
        - V(true) is the same as naming V(group_policy) in O(defender.override_owner), kept for playbooks
          written before it.
        type: bool
        default: false
  delivery_optimization:
    description:
    - The options of M(proxyfleet.windows.delivery_optimization_policy), exactly.
      Omit it to leave this surface alone.
    type: dict
    suboptions:
      download_mode:
        description:
        - C(DODownloadMode), by name or by the policy's number.
        - V(http_only) (0), V(lan) (1, the Windows default), V(group) (2), V(internet)
          (3), V(simple) (99, no Delivery Optimization cloud services), V(bypass)
          (100, deprecated and ignored on Windows 11; warns).
        type: raw
      group_id:
        description:
        - C(DOGroupId), a GUID; used only with O(delivery_optimization.download_mode=group).
        - Windows ignores it when C(DOGroupIdSource) is set (Delivery Optimization
          reference, DOGroupIdSource - "If you set this policy, the GroupID policy
          will be ignored"), so do not set both; giving both warns and proxy_facts
          reports finding DO007.
        type: str
      group_id_source:
        description:
        - C(DOGroupIdSource), where the group comes from; when set (other than 0),
          it wins over O(delivery_optimization.group_id), which Windows then ignores.
        type: str
        choices:
        - ad_site
        - domain_sid
        - dhcp
        - dns_suffix
        - entra_tenant
      cache_hosts:
        description:
        - C(DOCacheHost), the Microsoft Connected Cache servers (FQDN or IP), tried
          in the order given.
        - An IPv6 address needs no brackets. Numbers (unquoted in YAML) are errors.
        - At most 1,000 entries; a host name at most 253 characters.
        type: list
        elements: str
      cache_host_source:
        description:
        - C(DOCacheHostSource), V(dhcp_option_235) (1) or V(dhcp_option_235_forced)
          (2).
        type: str
        choices:
        - dhcp_option_235
        - dhcp_option_235_forced
      disallow_cache_server_downloads_on_vpn:
        description:
        - C(DODisallowCacheServerDownloadsOnVPN), block downloads from Connected Cache
          while on VPN.
        type: bool
      state:
        description:
        - V(present) sets the given values; V(absent) removes all six.
        type: str
        choices:
        - present
        - absent
        default: present
      override_owner:
        description:
        - A value that Group Policy (per the host's Resultant Set of Policy), an MDM server such as
          Intune (the Policy CSP store under C(HKLM\SOFTWARE\Microsoft\PolicyManager)) or a Group
          Policy Preferences registry item sets comes back at the next policy refresh or MDM sync,
          or, written as policy over an MDM value, silently takes the place of the MDM profile. By
          default such a value is not changed; all of this is read in the same host command as the
          settings.
        - It is reported in C(held), not in C(drift), with its C(owner) (V(group_policy), V(mdm) or
          V(group_policy_preferences)) and the policy, profile or preference item that sets it, and
          a warning that says what to change instead. It does not make the task C(changed).
        - List the owners whose values the task may write anyway, with a warning, for example V([mdm]).
        - Values of the Defender preference store (V(preference), C(Set-MpPreference)) and local values
          are never held. See the collection's C(docs/owners.md).
        type: list
        elements: str
        choices:
        - group_policy
        - mdm
        - group_policy_preferences
        default: []
      override_gpo:
        description:
        - V(true) is the same as naming V(group_policy) in O(delivery_optimization.override_owner),
          kept for playbooks written before it.
        type: bool
        default: false
  facts:
    description:
      - Also return what M(proxyfleet.windows.proxy_facts) returns (C(ansible_facts.windows_proxy) and C(findings)),
        built from the same host command that checks the surfaces, so a check and its verification cost one
        WinRM command on a compliant host, and two (read, write) on a drifted one.
      - The facts describe the host as the task leaves it - the values read, overlaid with the agent's read-back of
        what it wrote. In check mode nothing is written, so they describe the host as it is, not as it would be.
      - C(ansible_facts.windows_proxy.gpo) is always included (the surfaces' check reads the Resultant Set of Policy
        anyway).
      - The roles proxyfleet.windows.delivery_optimization and proxyfleet.windows.defender_endpoint set it.
    type: bool
    default: false
  facts_profile:
    description:
      - With O(facts=true), the profile the findings are computed for, as
        O(proxyfleet.windows.proxy_facts#module:profile).
    type: str
    choices: [standard, offline]
    default: standard
  facts_users:
    description:
      - With O(facts=true), whether the loaded user profiles are read too, as
        O(proxyfleet.windows.proxy_facts#module:users).
    type: bool
    default: true
  authenticating_proxies:
    description:
      - With O(facts=true), the proxies known to require credentials, as
        O(proxyfleet.windows.proxy_facts#module:authenticating_proxies) (finding AU001); unused without the facts.
      - At most 1,000 entries, each a host name of at most 253 characters with an optional port.
    type: list
    elements: str
    default: []
  role:
    description:
      - The whole check of a collection role in this one task - V(delivery_optimization) for the role
        proxyfleet.windows.delivery_optimization, V(defender_endpoint) for the role
        proxyfleet.windows.defender_endpoint. Every other option comes from the role's variables
        (C(delivery_optimization_*) or C(defender_endpoint_*), from the inventory, the play or the role), validated
        against the role's C(meta/argument_specs.yml) with its defaults, and no other option may be given.
      - The task does what the role asks (the same surfaces, the facts with C(<role>_fail_on_findings)) and fails the
        host, saying why, when it is not as the role asks - for example a Delivery Optimization context routed to
        another proxy, a C(DO*) or C(MDE*)/C(AV*) finding, or C(AU001) for the role's consumers. In check mode a host
        with drift is reported by its drift, not failed.
      - The roles' C(tasks/main.yml) is this one task. Used without the role, it spares the validation task
        ansible-core adds before every role that has an argument spec (a task per host, like any other; see
        C(docs/performance.md)); an error then names the role variable.
    type: str
    choices: [delivery_optimization, defender_endpoint]
author:
  - proxyfleet.windows contributors (@proxyfleet)
seealso:
  - module: proxyfleet.windows.wininet_proxy
  - module: proxyfleet.windows.winhttp_proxy
  - module: proxyfleet.windows.telemetry_proxy
  - module: proxyfleet.windows.defender_proxy
  - module: proxyfleet.windows.delivery_optimization_policy
"""

EXAMPLES = r"""
- name: Corporate proxy baseline for Delivery Optimization and Defender for Endpoint
  proxyfleet.windows.proxy_baseline:
    wininet:
      proxy: proxy.corp.example:8080
      bypass: [<local>, "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]
    winhttp:
      source: wininet
    telemetry:
      proxy: proxy.corp.example:8080
    defender:
      proxy_server: http://proxy.corp.example:8080
    delivery_optimization:
      download_mode: lan
  register: baseline

- name: Compliance report only
  proxyfleet.windows.proxy_baseline:
    telemetry:
      proxy: proxy.corp.example:8080
  check_mode: true

# The delivery_optimization role's check without the role (and without ansible-core's validation task):
# the options come from the hosts' delivery_optimization_* variables (inventory or play vars).
- name: Delivery Optimization as the role asks, in one task
  proxyfleet.windows.proxy_baseline:
    role: delivery_optimization
  vars:
    delivery_optimization_proxy: proxy.corp.example:8080
    delivery_optimization_bypass: ["<local>", "*.corp.example"]
"""

RETURN = r"""
changed:
  description: Whether any surface was (or in check mode would be) written.
  returned: always
  type: bool
drift:
  description: Every setting of every surface that differs from what was asked, C([]) when compliant.
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
      policy or profile, and a warning says what to change instead; the surface's C(override_owner) writes them.
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
surfaces:
  description: Per surface given, its C(changed), C(before), C(after) and C(drift), as its single
    module returns them.
  returned: always
  type: dict
  sample:
    telemetry:
      changed: true
      before:
        proxy: 10.0.0.6:8080
        disable_enterprise_auth_proxy: null
        prefer_static_proxy_for_http_request: null
      after:
        proxy: 10.0.0.6:8080
        disable_enterprise_auth_proxy: true
        prefer_static_proxy_for_http_request: null
      drift:
      - setting: telemetry.disable_enterprise_auth_proxy
        current: null
        desired: true
  contains:
    wininet:
      description: The device-wide WinINET surface, as its single module returns it.
      returned: when O(wininet) is given
      type: dict
      contains:
        changed:
          description: Whether this surface was (or in check mode would be) written.
          type: bool
        before:
          description:
          - Its settings as found.
          - 'Keyed by registry view, V(64) and V(32) (the views in O(wininet.views)), each as in the
            sample (the numbers are not names Jinja can reach with a dot: write C([''64''])). A view
            whose stored value cannot be decoded also has C(error), saying why.'
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
        after:
          description:
          - Its settings after the task; in check mode, what they would be.
          - 'Keyed by registry view, V(64) and V(32) (the views in O(wininet.views)), each as in the
            sample (the numbers are not names Jinja can reach with a dot: write C([''64''])). A view
            whose stored value cannot be decoded also has C(error), saying why.'
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
          description: Its settings that differ from what was asked.
          type: list
          elements: dict
          contains:
            setting:
              description: The setting, C(<surface>.<name>); WinHTTP and WinINET name the registry
                view, for example C(winhttp.64.proxy).
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's part of C(held).
          type: list
          elements: dict
          contains:
            setting:
              description: The setting.
              type: str
            current:
              description: Its value in the store the module writes.
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's owners, as the single module's C(owners).
          type: dict
    winhttp:
      description: The WinHTTP surface, as its single module returns it.
      returned: when O(winhttp) is given
      type: dict
      contains:
        changed:
          description: Whether this surface was (or in check mode would be) written.
          type: bool
        before:
          description:
          - Its settings as found.
          - 'Keyed by registry view, V(64) and V(32) (the views in O(winhttp.views)), each as in the
            sample (the numbers are not names Jinja can reach with a dot: write C([''64''])). A view
            whose stored value cannot be decoded also has C(error), saying why.'
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
          - Its settings after the task; in check mode, what they would be.
          - 'Keyed by registry view, V(64) and V(32) (the views in O(winhttp.views)), each as in the
            sample (the numbers are not names Jinja can reach with a dot: write C([''64''])). A view
            whose stored value cannot be decoded also has C(error), saying why.'
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
          description: Its settings that differ from what was asked.
          type: list
          elements: dict
          contains:
            setting:
              description: The setting, C(<surface>.<name>); WinHTTP and WinINET name the registry
                view, for example C(winhttp.64.proxy).
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's part of C(held).
          type: list
          elements: dict
          contains:
            setting:
              description: The setting.
              type: str
            current:
              description: Its value in the store the module writes.
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's owners, as the single module's C(owners).
          type: dict
    telemetry:
      description: The telemetry proxy surface, as its single module returns it.
      returned: when O(telemetry) is given
      type: dict
      contains:
        changed:
          description: Whether this surface was (or in check mode would be) written.
          type: bool
        before:
          description: Its settings as found.
          type: dict
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
          description: Its settings after the task; in check mode, what they would be.
          type: dict
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
          description: Its settings that differ from what was asked.
          type: list
          elements: dict
          contains:
            setting:
              description: The setting, C(<surface>.<name>); WinHTTP and WinINET name the registry
                view, for example C(winhttp.64.proxy).
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's part of C(held).
          type: list
          elements: dict
          contains:
            setting:
              description: The setting.
              type: str
            current:
              description: Its value in the store the module writes.
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's owners, as the single module's C(owners).
          type: dict
    defender:
      description: The Defender Antivirus proxy surface, as its single module returns it.
      returned: when O(defender) is given
      type: dict
      contains:
        changed:
          description: Whether this surface was (or in check mode would be) written.
          type: bool
        before:
          description: Its settings as found.
          type: dict
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
          description: Its settings after the task; in check mode, what they would be.
          type: dict
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
          description: Its settings that differ from what was asked.
          type: list
          elements: dict
          contains:
            setting:
              description: The setting, C(<surface>.<name>); WinHTTP and WinINET name the registry
                view, for example C(winhttp.64.proxy).
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's part of C(held).
          type: list
          elements: dict
          contains:
            setting:
              description: The setting.
              type: str
            current:
              description: Its value in the store the module writes.
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's owners, as the single module's C(owners).
          type: dict
    delivery_optimization:
      description: The Delivery Optimization surface, as its single module returns it.
      returned: when O(delivery_optimization) is given
      type: dict
      contains:
        changed:
          description: Whether this surface was (or in check mode would be) written.
          type: bool
        before:
          description: Its settings as found.
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
        after:
          description: Its settings after the task; in check mode, what they would be.
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
          description: Its settings that differ from what was asked.
          type: list
          elements: dict
          contains:
            setting:
              description: The setting, C(<surface>.<name>); WinHTTP and WinINET name the registry
                view, for example C(winhttp.64.proxy).
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's part of C(held).
          type: list
          elements: dict
          contains:
            setting:
              description: The setting.
              type: str
            current:
              description: Its value in the store the module writes.
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
                  V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                  store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See the
                  collection's C(docs/owners.md).
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
          description: This surface's owners, as the single module's C(owners).
          type: dict
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host, 1 to check, 2
    to change.
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
ansible_facts:
  description:
    - With O(facts=true), what M(proxyfleet.windows.proxy_facts) returns, describing the host as the task leaves
      it (in check mode, as it is).
  returned: when O(facts=true)
  type: dict
  contains:
    windows_proxy:
      description: Every surface, the effective proxy per consumer, findings and Group Policy owners.
      returned: always
      type: dict
      contains:
        signed_in:
          description:
            - SIDs of the users who own an interactive (console or remote desktop) session, never the connecting
              account; empty when nobody is signed in, null when O(facts_users=false).
          returned: always
          type: list
          elements: str
        delivery_optimization_group:
          description:
            - The peer group Delivery Optimization uses; C(DOGroupIdSource) wins over C(DOGroupId).
          returned: always
          type: dict
          contains:
            group_id:
              description: The C(DOGroupId) that applies; null when none does (not set, or C(DOGroupIdSource) is set).
              type: str
            group_id_source:
              description: C(DOGroupIdSource) by name when it is set (it then decides the group), else null.
              type: str
            rule:
              description: Why, with the document the rule comes from.
              type: str
        winhttp:
          description:
          - The WinHTTP default proxy per registry view.
          - 'Keyed by registry view, V(64) and V(32) (both, always), each as in the sample (the numbers
            are not names Jinja can reach with a dot: write C([''64''])). A view whose stored value
            cannot be decoded also has C(error), saying why.'
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
        wininet:
          description: The device-wide WinINET settings.
          returned: always
          type: dict
          contains:
            per_machine:
              description: Whether WinINET runs per machine.
              type: bool
            proxy_settings_per_user:
              description: The C(ProxySettingsPerUser) policy, null when not set.
              type: int
            machine:
              description:
              - The HKLM connection settings per registry view.
              - 'Keyed by registry view, V(64) and V(32) (both, always), each as in the sample (the
                numbers are not names Jinja can reach with a dot: write C([''64''])). A view whose
                stored value cannot be decoded also has C(error), saying why.'
              type: dict
              sample:
                '64':
                  proxy: proxy.corp.example:8080
                  bypass:
                  - <local>
                  auto_config_url: null
                  auto_detect: false
                  origin: blob
                '32':
                  proxy: proxy.corp.example:8080
                  bypass:
                  - <local>
                  auto_config_url: null
                  auto_detect: false
                  origin: blob
            flat:
              description: The flat values beside the blob (C(ProxyEnable), C(ProxyServer), C(ProxyOverride),
                C(AutoConfigURL)), null when missing.
              type: dict
              contains:
                ProxyEnable:
                  description: C(ProxyEnable).
                  type: int
                ProxyServer:
                  description: C(ProxyServer).
                  type: str
                ProxyOverride:
                  description: C(ProxyOverride).
                  type: str
                AutoConfigURL:
                  description: C(AutoConfigURL).
                  type: str
        users:
          description: The proxy settings of each loaded user profile; null with O(facts_users=false).
          returned: always
          type: list
          elements: dict
          contains:
            sid:
              description: The user's SID (its C(HKEY_USERS) key).
              type: str
              sample: S-1-5-21-3623811015-3361044348-30300820-1013
            proxy:
              description: The proxy, null for none.
              type: str
              sample: proxy.corp.example:8080
            bypass:
              description: The bypass list, one entry per item.
              type: list
              elements: str
              sample:
              - <local>
            auto_config_url:
              description: The PAC URL, null for none.
              type: str
            auto_detect:
              description: Whether automatic detection (WPAD) is on.
              type: bool
            origin:
              description: Where the settings were read, V(blob) (C(DefaultConnectionSettings)) or
                the flat values.
              type: str
              sample: blob
            flat:
              description: The flat values beside the blob (C(ProxyEnable), C(ProxyServer), C(ProxyOverride),
                C(AutoConfigURL)), null when missing.
              type: dict
              contains:
                ProxyEnable:
                  description: C(ProxyEnable).
                  type: int
                ProxyServer:
                  description: C(ProxyServer).
                  type: str
                ProxyOverride:
                  description: C(ProxyOverride).
                  type: str
                AutoConfigURL:
                  description: C(AutoConfigURL).
                  type: str
            error:
              description: Why the user's C(DefaultConnectionSettings) blob could not be decoded;
                the other keys are then empty.
              returned: when the stored value cannot be decoded
              type: str
            account:
              description: C(DOMAIN\\name) of the hive's user, from its C(Volatile Environment); null when unknown.
              type: str
            sessions:
              description: The user's interactive sessions, session id to session name (C(Volatile Environment)).
              type: dict
            connecting:
              description: Whether this is the hive of the account Ansible connects with (WinRM loads it).
              type: bool
            signed_in:
              description: Whether the user owns an interactive (console or remote desktop) session.
              type: bool
            policy:
              description:
                - The proxy values user Group Policy writes to the user's policies branch
                  (C(HKU\<SID>\Software\Policies\Microsoft\Windows\CurrentVersion\Internet Settings)), by value name
                  (C(ProxyEnable), C(ProxyServer), C(ProxyOverride), C(AutoConfigURL)); C({}) when there are none.
                - Whether WinINET uses them over the user's own settings is not documented (C(docs/owners.md)).
              type: dict
            owner:
              description:
                - Who set the user's proxy - V(group_policy) (values in the user's policies branch),
                  V(group_policy_preferences) (a Preferences Internet Settings or Registry item that the user's
                  Resultant Set of Policy names, or else the user's Group Policy history names the Internet Settings
                  extension) or V(local); the details - the item's GPO, key, value and extension, or the GPOs of the
                  history - are in C(owners["wininet.user:<SID>"]).
              type: str
              sample: local
        telemetry:
          description: The Defender for Endpoint telemetry proxy policy.
          returned: always
          type: dict
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
        defender:
          description: The Defender Antivirus proxy policy.
          returned: always
          type: dict
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
        delivery_optimization:
          description: The Delivery Optimization policy.
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
        os:
          description: The Windows build.
          returned: always
          type: dict
          contains:
            build:
              description: The build number, null when unknown.
              type: int
              sample: 22631
            windows11:
              description: Whether the build number is that of Windows 11 or later; false when unknown.
              type: bool
            ubr:
              description: The update build revision (C(UBR)), which cumulative update the build has; null when unknown.
              type: int
              sample: 4317
        owners:
          description:
            - The owner of every setting the facts describe, by C(<surface>.<name>) (C(winhttp.64),
              C(wininet.per_machine), C(wininet.machine.64), C(telemetry.proxy), C(defender.proxy_server),
              C(delivery_optimization.download_mode) and so on), as C(owner) - V(group_policy), V(mdm),
              V(group_policy_preferences), V(preference) or V(local) - with its details beside it, as the setting
              modules' C(drift) entries carry them (C(docs/owners.md)).
            - The values of C(telemetry), C(defender) and C(delivery_optimization) are the effective ones, Windows'
              precedence applied (Group Policy over MDM unless C(MDMWinsOverGP) is set, any policy over the Defender
              preference store).
            - The device-wide WinINET settings an MDM server sets with the Network Proxy CSP (C(wininet.per_machine),
              C(wininet.machine.64), C(wininet.machine.32)) are owned by V(mdm) with C(csp), C(key), C(provider) and
              C(nodes) (each node the MDM node cache records, with its URI and expected value), C(verified) V(false).
          returned: always
          type: dict
          sample:
            delivery_optimization.download_mode:
              owner: mdm
              area: DeliveryOptimization
              policy: DODownloadMode
              csp: ./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode
              key: HKLM\SOFTWARE\Microsoft\PolicyManager\current\device\DeliveryOptimization
              value: DODownloadMode
              effective: group
              mdm_wins_over_gp: false
              verified: false
            defender.proxy_server:
              owner: preference
              key: HKLM\SOFTWARE\Microsoft\Windows Defender
              value: ProxyServer
            winhttp.64:
              owner: local
            wininet.machine.64:
              owner: mdm
              csp: ./Vendor/MSFT/NetworkProxy (ProxyServer/ProxyAddress)
              key: HKLM\SOFTWARE\Microsoft\Provisioning\NodeCache\CSP\Device\MS DM Server\Nodes
              provider: MS DM Server (admin@contoso.com)
              nodes:
                - node: HKLM\SOFTWARE\Microsoft\Provisioning\NodeCache\CSP\Device\MS DM Server\Nodes\14
                  csp: ./Vendor/MSFT/NetworkProxy/ProxyServer/ProxyAddress
                  expected_value: proxy.corp.example:8080
              verified: false
        effective:
          description: Per consumer and context, the proxy, PAC URL and bypass list it uses and the
            rule that decided it.
          returned: always
          type: dict
          contains:
            delivery_optimization:
              description: Delivery Optimization, with a signed-in user (C(interactive)) and without
                one (C(network_service)).
              type: dict
              contains:
                interactive:
                  description: Downloads with a signed-in user.
                  type: dict
                  contains:
                    proxy:
                      description: The proxy it uses, null for direct (or for a PAC file, see C(pac_url)).
                      type: str
                      sample: proxy.corp.example:8080
                    pac_url:
                      description: The PAC file it uses, null for none.
                      type: str
                    bypass:
                      description: The bypass list that applies.
                      type: list
                      elements: str
                    source:
                      description: The setting that decided it, for example C(wininet.machine), C(winhttp.64),
                        C(telemetry) or C(direct).
                      type: str
                      sample: winhttp.64
                    rule:
                      description: Why, with the document the rule comes from.
                      type: str
                network_service:
                  description: Downloads as NetworkService, no user signed in.
                  type: dict
                  contains:
                    proxy:
                      description: The proxy it uses, null for direct (or for a PAC file, see C(pac_url)).
                      type: str
                      sample: proxy.corp.example:8080
                    pac_url:
                      description: The PAC file it uses, null for none.
                      type: str
                    bypass:
                      description: The bypass list that applies.
                      type: list
                      elements: str
                    source:
                      description: The setting that decided it, for example C(wininet.machine), C(winhttp.64),
                        C(telemetry) or C(direct).
                      type: str
                      sample: winhttp.64
                    rule:
                      description: Why, with the document the rule comes from.
                      type: str
            mde_sensor:
              description: The Defender for Endpoint sensor.
              type: dict
              contains:
                proxy:
                  description: The proxy it uses, null for direct (or for a PAC file, see C(pac_url)).
                  type: str
                  sample: proxy.corp.example:8080
                pac_url:
                  description: The PAC file it uses, null for none.
                  type: str
                bypass:
                  description: The bypass list that applies.
                  type: list
                  elements: str
                source:
                  description: The setting that decided it, for example C(wininet.machine), C(winhttp.64),
                    C(telemetry) or C(direct).
                  type: str
                  sample: winhttp.64
                rule:
                  description: Why, with the document the rule comes from.
                  type: str
            defender_av:
              description: Defender Antivirus (cloud protection, updates).
              type: dict
              contains:
                proxy:
                  description: The proxy it uses, null for direct (or for a PAC file, see C(pac_url)).
                  type: str
                  sample: proxy.corp.example:8080
                pac_url:
                  description: The PAC file it uses, null for none.
                  type: str
                bypass:
                  description: The bypass list that applies.
                  type: list
                  elements: str
                source:
                  description: The setting that decided it, for example C(wininet.machine), C(winhttp.64),
                    C(telemetry) or C(direct).
                  type: str
                  sample: winhttp.64
                rule:
                  description: Why, with the document the rule comes from.
                  type: str
                store:
                  description:
                    - Where the value that decided comes from - V(policy) (C(SOFTWARE\Policies\Microsoft\Windows
                      Defender)), V(mdm), V(preference) (C(SOFTWARE\Microsoft\Windows Defender), which
                      C(Set-MpPreference) writes; a policy value wins over it) or V(none) (no proxy value, the system
                      settings decide) - with the C(owner) of that value and its details beside it (V(local) for
                      V(none)).
                  type: str
                  sample: preference
                owner:
                  description:
                    - Who sets the value - V(group_policy), V(mdm) (Intune or another MDM server, Policy CSP),
                      V(group_policy_preferences) (a registry preference item), V(preference) (the Defender preference
                      store that C(Set-MpPreference) writes) or V(local) (nobody) - with its details beside it. See
                      the collection's C(docs/owners.md).
                  returned: always
                  type: str
                  sample: preference
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
                    - The enrollment that set it (its C(ProviderID), C(MS DM Server) for Intune, and UPN), or the
                      winning provider's GUID when the enrollment is not found.
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
        authentication:
          description:
            - Who authenticates to the proxy - per consumer (nested as C(effective)), the account it uses toward its
              proxy and whether it can authenticate, with the reason and source (C(docs/findings.md)).
          returned: always
          type: dict
          contains:
            delivery_optimization:
              description:
                - Delivery Optimization with a signed-in user (C(interactive)) and without one
                  (C(network_service)).
              type: dict
              contains:
                interactive:
                  description: Downloads with a signed-in user (the user's token).
                  type: dict
                  contains: &authentication_entry
                    account:
                      description:
                        - The account it reaches the proxy as, for example C(NT AUTHORITY\SYSTEM (LocalSystem)),
                          or the signed-in user's C(DOMAIN\name) (else SID); null when there is none.
                      type: str
                    can_authenticate:
                      description:
                        - V(true) - it answers the proxy's request for credentials (HTTP 407) with that
                          account's; V(false) - it cannot; null - unknown, or no proxy on its route.
                      type: bool
                    reason:
                      description: Why, citing the document (C(docs/findings.md)).
                      type: str
                    source:
                      description: The documents it comes from, for example C([DOPX]; [NETSVC]).
                      type: str
                    verified:
                      description:
                        - V(false) where Microsoft's pages do not state it in so many words
                          (C(docs/testing.md), live-Windows checklist).
                      type: bool
                    proxy:
                      description: The proxy of its route, null for none (direct, a PAC file, not read).
                      type: str
                    pac_url:
                      description: The PAC file of its route, null for none.
                      type: str
                    route_source:
                      description: The setting that decided the route (as in C(effective)), or V(not_read).
                      type: str
                    proxy_requires_authentication:
                      description:
                        - V(true) when the route's proxy is in O(authenticating_proxies); null otherwise.
                      type: bool
                network_service:
                  description: Downloads with no user signed in (NetworkService; netsh cannot authenticate).
                  type: dict
                  contains: *authentication_entry
            mde_sensor:
              description: The Defender for Endpoint sensor (LocalSystem).
              type: dict
              contains: *authentication_entry
            endpoint_dlp:
              description: Endpoint DLP, on the sensor's route (LocalSystem; unverified, C(verified) false).
              type: dict
              contains: *authentication_entry
            defender_av:
              description: Defender Antivirus (LocalSystem).
              type: dict
              contains: *authentication_entry
            configmgr_site_system:
              description: A ConfigMgr site system server; its route is not read (V(not_read)).
              type: dict
              contains: *authentication_entry
        findings:
          description: What is wrong, per the rule catalogue (C(docs/findings.md)).
          returned: always
          type: list
          elements: dict
          contains:
            id:
              description: The rule id (see C(docs/findings.md)).
              type: str
              sample: MDE003
            severity:
              description: V(high), V(medium) or V(low).
              type: str
              sample: high
            surface:
              description: The surface it concerns.
              type: str
              sample: telemetry
            message:
              description: What is wrong.
              type: str
            evidence:
              description: The values the rule looked at, by name; they differ per rule.
              type: dict
            remediation:
              description: Which module and option fix it.
              type: str
            source:
              description: The document the rule comes from.
              type: str
        gpo:
          description: Managed values set by Group Policy, from the Resultant Set of Policy.
          returned: always (with the facts)
          type: list
          elements: dict
          contains:
            setting:
              description: The setting, as in C(drift).
              type: str
              sample: telemetry.proxy
            key:
              description: The registry key.
              type: str
            value:
              description: The registry value name.
              type: str
              sample: TelemetryProxyServer
            gpo_name:
              description: The GPO's display name.
              type: str
              sample: Contoso MDE proxy
            gpo_id:
              description: The GPO's directory path.
              type: str
            precedence:
              description: The RSoP precedence, 1 wins.
              type: int
              sample: 1
findings:
  description:
    - With O(facts=true), the same list as C(ansible_facts.windows_proxy.findings), for compliance reports.
  returned: when O(facts=true)
  type: list
  elements: dict
  contains:
    id:
      description: The rule id (see C(docs/findings.md)).
      type: str
      sample: MDE003
    severity:
      description: V(high), V(medium) or V(low).
      type: str
      sample: high
    surface:
      description: The surface it concerns.
      type: str
      sample: telemetry
    message:
      description: What is wrong.
      type: str
    evidence:
      description: The values the rule looked at, by name; they differ per rule.
      type: dict
    remediation:
      description: Which module and option fix it.
      type: str
    source:
      description: The document the rule comes from.
      type: str
backup_id:
  description: The one on-host backup of every value written; null when nothing was written.
  returned: always
  type: str
  sample: 20261123T103000123456Z-1a2b3c4d
"""

# One spec per surface, defined once in module_utils and shared with the single modules.
from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_baseline import BASELINE_SPEC

ARGUMENT_SPEC = BASELINE_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.proxy_baseline")


if __name__ == "__main__":
    main()
