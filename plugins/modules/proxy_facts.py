#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.proxy_facts; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: proxy_facts
short_description: Every proxy surface, the effective proxy per consumer, findings and GPO owners
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
  - Facts modules that are action plugins cannot run through C(gather_facts); run it as a task, for example in
    C(pre_tasks).
attributes:
  check_mode:
    support: full
    description: Reads only; the same in check mode.
  diff_mode:
    support: none
    description: Reads only; there is nothing to diff.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached over WinRM.
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
      - Read the Resultant Set of Policy to tell which managed values a GPO sets.
    type: bool
    default: true
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
        effective:
          description:
            - Per consumer and context, C({proxy, pac_url, bypass, source, rule}); C(proxy) null is direct.
            - In per-user mode with nobody signed in, C(delivery_optimization.interactive) has C(source)
              V(nobody_signed_in) and only the no-user context is evaluated.
          returned: always
          type: dict
        users:
          description:
            - Each loaded user hive (C(HKU)) - its WinINET settings, C(account) (C(DOMAIN\\name) from C(Volatile
              Environment)), C(sessions) (interactive session id to session name), C(connecting) (the hive of the
              account Ansible connects with, which WinRM loads) and C(signed_in).
            - Null when O(users=false).
          returned: always
          type: list
          elements: dict
        signed_in:
          description:
            - SIDs of the users who own an interactive (console or remote desktop) session, never the connecting
              account; empty when nobody is signed in, null when O(users=false).
          returned: always
          type: list
          elements: str
        delivery_optimization_group:
          description:
            - The peer group Delivery Optimization uses, C({group_id, group_id_source, rule}); C(DOGroupIdSource)
              wins over C(DOGroupId).
          returned: always
          type: dict
        findings:
          description: C({id, severity, surface, message, evidence, remediation, source}) per problem found.
          returned: always
          type: list
          elements: dict
        gpo:
          description: Managed values set by Group Policy, with the GPO's name, id and precedence.
          returned: when O(group_policy=true)
          type: list
          elements: dict
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host, always 1.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_facts import FACTS_SPEC

ARGUMENT_SPEC = FACTS_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.proxy_facts")


if __name__ == "__main__":
    main()
