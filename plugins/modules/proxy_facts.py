#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.proxy_facts; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: proxy_facts
short_description: Every proxy surface, the effective proxy per consumer, findings and owners
version_added: 0.1.0
description:
  - Reads every proxy surface of a Windows host with one host command and returns C(ansible_facts.windows_proxy).
  - Each surface decoded - WinHTTP per registry view, the device-wide WinINET settings and whether WinINET runs per
    machine or per user, the proxy of each loaded user profile, the Defender for Endpoint telemetry proxy, the
    Defender Antivirus proxy policy and the Delivery Optimization policy.
  - C(effective) - for each consumer and context, the proxy, PAC URL and bypass list it will use and the rule that
    decided it. Delivery Optimization with a signed-in user and without one (NetworkService), per Microsoft's
    Delivery Optimization proxy tables, the signed-in user being a user who owns an interactive session (never
    the account Ansible connects with); the Defender for Endpoint sensor (telemetry proxy, then WinHTTP); Defender
    Antivirus (proxy server, PAC, none, then the system settings).
  - C(findings) - what is wrong, from a documented rule catalogue (C(docs/findings.md)), each with evidence, the
    remediation (which module and option fixes it) and the document the rule comes from.
  - C(gpo) - which managed values Group Policy sets, from the host's Resultant Set of Policy, read in the same
    host command.
  - C(owners) - who sets each value - Group Policy, MDM (Intune, Policy CSP), a Group Policy Preferences item,
    the Defender preference store (C(Set-MpPreference)) or nobody - and, for each loaded user, user Group Policy
    or a preference item; the telemetry, Defender and Delivery Optimization values are the effective ones, with
    Windows' precedence applied (C(docs/owners.md)). All in the same host command.
  - C(authentication) - who authenticates to the proxy - for each consumer (Delivery Optimization with and
    without a signed-in user, the Defender for Endpoint sensor, Endpoint DLP, Defender Antivirus, a ConfigMgr site
    system), the account it uses toward its proxy and whether it can authenticate, with the reason and source;
    with O(authenticating_proxies), a consumer that cannot authenticate to its listed proxy is finding AU001.
  - Facts modules that are action plugins cannot run through C(gather_facts); run it as a task, for example in
    C(pre_tasks).
extends_documentation_fragment:
  - proxyfleet.windows._attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
    description: Reads only; the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to diff.
  action_group:
    support: none
    membership: []
    details: In no action group; it shares no option with another module of the collection.
  facts:
    support: full
    details: Sets C(ansible_facts.windows_proxy).
options:
  profile:
    description:
      - V(offline) is a device that reaches Microsoft's cloud only through a static proxy; it expects
        C(PreferStaticProxyForHttpRequest=1) and reports its absence at high severity (MDE003; on V(standard)
        devices, which may use WPAD or a transparent proxy, it is only a low hint), and it checks that Defender
        Antivirus behind its static proxy can fetch certificate revocation lists (MDE004).
    type: str
    choices: [standard, offline]
    default: standard
  users:
    description:
      - Read the proxy settings of every user profile loaded on the host (C(HKEY_USERS)), which decide what
        interactive downloads use when WinINET runs per user, and which of them own an interactive (console or
        remote desktop) session. The hive of the account Ansible connects with is never taken for the
        interactive user; with nobody signed in, only Delivery Optimization's no-user context is evaluated.
    type: bool
    default: true
  group_policy:
    description:
      - Read the Resultant Set of Policy to tell which managed values a GPO or a Group Policy Preferences item sets;
        with O(users), each loaded user's too (which Preferences item sets the user's proxy), in the same host
        command.
      - The MDM and Defender preference stores are read either way (they are registry keys of the same read).
    type: bool
    default: true
  authenticating_proxies:
    description:
      - Proxies known to require credentials (they answer HTTP 407 to a request without them), each C(host:port),
        or a bare host name for every port of that host. A consumer routed to one of them that cannot
        authenticate (Delivery Optimization with no user signed in on a netsh proxy, the Defender for Endpoint
        sensor, Endpoint DLP, Defender Antivirus) is finding AU001; C(authentication) says who can and why.
      - At most 1,000 entries, each a host name of at most 253 characters with an optional port.
    type: list
    elements: str
    default: []
author:
  - proxyfleet.windows contributors (@proxyfleet)
seealso:
  - module: proxyfleet.windows.proxy_baseline
"""

EXAMPLES = r"""
- name: Proxy facts before anything else
  hosts: windows
  gather_facts: false
  pre_tasks:
    - name: Read the proxy picture
      proxyfleet.windows.proxy_facts:
  tasks:
    - name: What NetworkService downloads go through
      ansible.builtin.debug:
        var: ansible_facts.windows_proxy.effective.delivery_optimization.network_service

    - name: Fail on high-severity findings
      ansible.builtin.assert:
        that: ansible_facts.windows_proxy.findings | selectattr('severity', 'eq', 'high') | list | length == 0
"""

RETURN = r"""
ansible_facts:
  description: The facts.
  returned: always
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
              account; empty when nobody is signed in, null when O(users=false).
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
          description: The proxy settings of each loaded user profile; null with O(users=false).
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
          returned: when O(group_policy=true)
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
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host, always 1.
  returned: always
  type: int
  sample: 1
findings:
  description: The same list as C(ansible_facts.windows_proxy.findings), for compliance reports.
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
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_facts import FACTS_SPEC

ARGUMENT_SPEC = FACTS_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.proxy_facts")


if __name__ == "__main__":
    main()
