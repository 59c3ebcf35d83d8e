#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.proxy_endpoint_check; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: proxy_endpoint_check
short_description: Reach the Delivery Optimization and Defender for Endpoint URLs from every host; detect TLS inspection
version_added: 0.1.0
description:
  - Asks each host the questions Microsoft's client analyzer and the Delivery Optimization troubleshooter ask, in one
    host command per host for all URLs - can this URL be reached, on which route, and is its TLS intercepted.
  - For every URL and route the host opens a TCP connection, directly or through an HTTP proxy (C(CONNECT)), completes
    a TLS handshake and reports the certificate chain it was presented, whether or not it validates; for C(http://)
    URLs it reports the HTTP status code. Each probe is bounded by O(timeout), the whole
    command by O(total_timeout).
  - A chain that does not end at one of Microsoft's public roots is intercepted (a TLS-inspecting proxy's own CA, for
    example C(Zscaler Root CA)). Delivery Optimization pins its certificates, so an intercepted Delivery Optimization
    endpoint is finding C(EP001) with the exemption Microsoft's Delivery Optimization proxy document asks for; a
    Defender for Endpoint URL the sensor cannot reach on its own route is finding C(EP002); an intercepted Defender
    for Endpoint, Defender Antivirus or Endpoint DLP URL is finding C(EP003) (C(docs/findings.md)).
  - A proxy that answers 407 (proxy authentication required) is explained on the URL's result - for each consumer on
    that route, the account it uses toward the proxy and whether it can authenticate (C(authentication),
    C(explanation)) - and each consumer routed to that proxy that cannot authenticate is finding C(AU001).
  - O(via=effective) checks each URL on the route its consumer would take, decided from the proxy settings read in
    the same host command (as M(proxyfleet.windows.proxy_facts) decides it), bypass lists included. Routes through a
    PAC file or a user's own WinINET proxy are reported as not probed; check those with O(via=named).
  - It changes nothing and runs the same in check mode. It returns C(findings) and an empty C(drift) like the other
    modules, for compliance reports.
extends_documentation_fragment:
  - proxyfleet.windows._attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    description: Reads and connects only; the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing; there is nothing to diff.
  action_group:
    support: none
    membership: []
    details: In no action group; it shares no option with another module of the collection.
options:
  urls:
    description:
      - The URLs to check, and shipped URL sets by name, side by side.
      - V(delivery_optimization) - the Delivery Optimization service endpoints under C(*.prod.do.dsp.mp.microsoft.com),
        C(geo) and an C(array*) host among them (the two Microsoft asks to exempt from TLS inspection).
      - V(defender_endpoint) - Defender for Endpoint command and control, a host of the streamlined
        C(*.endpoint.security.microsoft.com) domain, telemetry, and the certificate revocation URLs (plain C(http://)).
      - V(defender_antivirus) - Defender Antivirus cloud-delivered protection (MAPS), C(*.wdcp.microsoft.com) and
        C(*.wd.microsoft.com); checked on Defender Antivirus's route.
      - The V(delivery_optimization) set also holds C(geo-prod) and C(geover-prod) and a host of the content CDN
        C(*.dl.delivery.mp.microsoft.com).
      - A URL is C(http://) or C(https://), a host name or address, an optional port and a path without spaces,
        quotes, backticks, C(#) or control characters.
      - An item may be a dict C({url, service}) with C(service) V(delivery_optimization), V(defender_endpoint),
        V(defender_antivirus) or V(endpoint_dlp) (the sensor's route), so that a URL of your own counts as that
        service's for the routes and findings. A URL
        on a host the sets name (or under C(*.prod.do.dsp.mp.microsoft.com)) counts as that service's anyway.
      - The sets and the source of every URL are in C(plugins/plugin_utils/_endpoint_urls.py).
      - At most 1,000 entries; a URL at most 2,083 characters.
    type: list
    elements: raw
    default: [delivery_optimization, defender_endpoint]
  via:
    description:
      - The routes to check each URL on.
      - V(effective) - the route the URL's consumer takes (Delivery Optimization with and without a signed-in user,
        the Defender for Endpoint sensor; a URL without a service, all three).
      - V(winhttp_default) - the WinHTTP default proxy (netsh, 64-bit view) with its bypass list.
      - V(direct) - no proxy.
      - V(named) - the proxy in O(proxy).
    type: list
    elements: str
    choices: [effective, winhttp_default, direct, named]
    default: [effective]
  proxy:
    description:
      - The proxy for O(via=named), C(host:port) or C(http://host:port). Required with O(via=named), refused without.
      - At most 2,083 characters in all; a host name at most 253 characters.
    type: str
  timeout:
    description:
      - Seconds one probe (one URL over one way out) may take in all - its connection, the proxy's C(CONNECT)
        answer, the TLS handshake with the certificate chain building Windows does inside it, and the server's
        answer - 1-60. One deadline, set when the probe's turn comes, bounds every phase; a TLS handshake that
        runs out of time is abandoned, not waited for.
      - A phase that runs out of time fails with the phase, the time it took and the bound, for example
        C(the TLS handshake with <host>:<port> timed out after <ms> ms; the probe's time bound of <ms> ms ran out)
        (reason C(<stage>_failed)).
    type: int
    default: 5
  total_timeout:
    description:
      - Seconds the whole host command may spend probing, 1-600.
      - Every probe connects at the same time, then they finish one after another, each within O(timeout) of its
        own time; so a network that silently drops a way out costs about O(timeout) once, not once per URL.
      - When the bound runs out, the probes not finished fail at the stage they reached, with the error
        C(the endpoint check's total time bound of <ms> ms ran out) followed by the phase and the time it took,
        for example C(connecting to <host>:<port> timed out after <ms> ms) (reason C(<stage>_failed)).
    type: int
    default: 20
  authenticating_proxies:
    description:
      - Proxies known to require credentials, as O(proxyfleet.windows.proxy_facts#module:authenticating_proxies) -
        C(host:port) or a bare host name. A consumer routed to one of them that cannot authenticate is finding
        AU001, probed or not. A proxy that answers a probe with 407 needs no listing - the 407 is the proof - and
        the result of that URL says, per consumer on the route, the account it uses and whether it can
        authenticate (C(authentication), C(explanation)). The probe itself sends no credentials.
      - At most 1,000 entries, each a host name of at most 253 characters with an optional port.
    type: list
    elements: str
    default: []
author:
  - proxyfleet.windows contributors (@proxyfleet)
seealso:
  - module: proxyfleet.windows.proxy_facts
"""

EXAMPLES = r"""
- name: Check the Microsoft endpoints from every host
  hosts: windows
  gather_facts: false
  tasks:
    - name: Connectivity and TLS inspection, on the routes the services use
      proxyfleet.windows.proxy_endpoint_check:
      register: endpoints

    - name: Fail where TLS to Delivery Optimization is intercepted
      ansible.builtin.assert:
        that: endpoints.findings | selectattr('id', 'eq', 'EP001') | list | length == 0

- name: The same URLs plus one of ours, directly and through a proxy under test
  hosts: windows
  gather_facts: false
  tasks:
    - name: Compare the routes
      proxyfleet.windows.proxy_endpoint_check:
        urls:
          - delivery_optimization
          - url: https://cache1.corp.example/
            service: delivery_optimization
        via: [direct, named]
        proxy: proxy2.corp.example:8080
        timeout: 3
"""

RETURN = r"""
endpoints:
  description:
  - One entry per URL and route taken; consumers that share a route share the entry.
  - 'Named C(endpoints), not C(results): C(results) is the key Ansible gives a loop''s results.'
  - A proxy's 403, 407 or 5xx is never counted as reachable (C(reason) says which).
  - Certificate revocation and trust list URLs (C(crl.microsoft.com), C(ctldl.windowsupdate.com)) have the
    consumer V(certificate_checks) - the operating system's route (the WinHTTP default proxy, or direct), or the
    telemetry proxy when C(PreferStaticProxyForHttpRequest) is 1.
  returned: always
  type: list
  elements: dict
  contains:
    url:
      description: The URL.
      type: str
      sample: https://geo.prod.do.dsp.mp.microsoft.com/
    service:
      description: V(delivery_optimization), V(defender_endpoint), or null for a URL of no service.
      type: str
    via:
      description: The route option that asked for it (O(via)).
      type: str
      sample: effective
    consumers:
      description: The consumers that take this route, for O(via=effective); empty otherwise.
      type: list
      elements: str
      sample:
      - delivery_optimization.interactive
    proxy:
      description: The proxy of the route, null for direct.
      type: str
      sample: proxy.corp.example:8080
    source:
      description: The setting that decided the route.
      type: str
      sample: wininet.machine
    rule:
      description: Why that setting decides it, with the document the rule comes from.
      type: str
    probed:
      description: Whether the route was probed; false when it cannot be (a PAC file, a user's proxy),
        C(error) says why.
      type: bool
    reachable:
      description: Whether the URL answered on this route; null when not probed.
      type: bool
    stage:
      description: How far the probe got, V(connect), V(proxy), V(tls), V(http) or V(done); null when
        not probed.
      type: str
      sample: done
    error:
      description: What failed, null when nothing did.
      type: str
      sample: the proxy answered CONNECT with HTTP 403
    proxy_status:
      description: The HTTP status the proxy answered C(CONNECT) with; null without a proxy.
      type: int
      sample: 200
    http_status:
      description: The HTTP status of an C(http://) URL; null otherwise.
      type: int
      sample: 200
    tls:
      description: The TLS handshake; null when none completed.
      type: dict
      contains:
        protocol:
          description: The protocol version.
          type: str
          sample: Tls12
        policy_errors:
          description: The certificate policy errors Windows reported, V(None) when it validates.
          type: str
          sample: None
        chain:
          description: The chain presented, leaf first.
          type: list
          elements: dict
          contains:
            subject:
              description: The certificate's subject.
              type: str
              sample: CN=*.prod.do.dsp.mp.microsoft.com
            issuer:
              description: Its issuer.
              type: str
            thumbprint:
              description: Its SHA-1 thumbprint, hex.
              type: str
            not_before:
              description: Valid from, ISO 8601 UTC.
              type: str
            not_after:
              description: Valid until, ISO 8601 UTC.
              type: str
    chain_root:
      description: The CA the chain ends at; null without a handshake.
      type: str
      sample: DigiCert Global Root G2
    intercepted:
      description: Whether the chain was intercepted (TLS inspection), see C(interception_basis); null when
        the URL was not reached.
      type: bool
    interception_basis:
      description:
        - Why C(intercepted) is what it is - V(microsoft_root) (the chain ends at one of Microsoft's roots),
          V(same_as_direct) (an unknown root, but the same leaf as the direct route), V(differs_from_direct) or
          V(unknown_root) (nothing to compare with); null when the URL was not reached.
      type: str
      sample: microsoft_root
    reason:
      description:
        - Why the URL is not reachable on this route, null when it is - V(proxy_denied) (the proxy answered 403),
          V(proxy_authentication_required) (407), V(proxy_error) (5xx), else C(<stage>_failed).
      type: str
      sample: proxy_authentication_required
    authentication:
      description:
        - For a URL whose proxy answered 407, each consumer on the route - C(consumer), the C(account) it uses
          toward the proxy, whether it C(can_authenticate), the C(reason) and C(source)
          (C(ansible_facts.windows_proxy.authentication) of M(proxyfleet.windows.proxy_facts)).
      returned: when the proxy answered 407 (V(proxy_authentication_required))
      type: list
      elements: dict
      contains:
        consumer:
          description: The consumer, for example V(delivery_optimization.network_service) or V(endpoint_dlp).
          type: str
        account:
          description: The account it reaches the proxy as.
          type: str
        can_authenticate:
          description: Whether it can give the proxy credentials; null when unknown.
          type: bool
        reason:
          description: Why, citing the document.
          type: str
        source:
          description: The documents it comes from.
          type: str
    explanation:
      description:
        - For a URL whose proxy answered 407, what that means for each consumer on the route - who cannot
          authenticate (finding AU001) and the fix, or who authenticates and as which account.
      returned: when the proxy answered 407 (V(proxy_authentication_required))
      type: str
    fallback:
      description:
        - The direct access the sensor falls back to when its telemetry proxy is unreachable,
          C({via, probed, reachable, reason}).
      returned: for the sensor's route through an unreachable telemetry proxy
      type: dict
      contains:
        via:
          description: V(direct).
          type: str
        probed:
          description: Whether direct access was probed.
          type: bool
        reachable:
          description: Whether the URL answered directly; null when not probed.
          type: bool
        reason:
          description: Why it is not reachable directly, null when it is.
          type: str
    timings:
      description: Milliseconds per step, null for a step not taken; null when not probed.
      type: dict
      contains:
        connect_ms:
          description: The TCP connection.
          type: int
        proxy_ms:
          description: Until the proxy answered C(CONNECT).
          type: int
        tls_ms:
          description: Until the TLS handshake completed.
          type: int
        http_ms:
          description: Until the HTTP answer.
          type: int
        total_ms:
          description: The whole probe.
          type: int
findings:
  description:
    - C({id, severity, surface, message, evidence, remediation, source}) per problem found (EP001, EP002, EP003).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The rule id (V(EP001), V(EP002), V(EP003)).
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
probe_ms:
  description:
    - Milliseconds the host spent probing, as the host agent measured it; at most about O(total_timeout).
  returned: success
  type: int
  sample: 412
drift:
  description: Always empty; the module has no desired state. Present so that reports read every module
    alike.
  returned: always
  type: list
  elements: dict
effective:
  description: The routes per consumer, as M(proxyfleet.windows.proxy_facts) returns them.
  returned: when O(via) includes V(effective) or V(winhttp_default)
  type: dict
  contains:
    delivery_optimization:
      description: Delivery Optimization, with a signed-in user (C(interactive)) and without one (C(network_service)).
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
          description: Where the proxy value that decided comes from - V(policy), V(mdm), V(preference) (the
            Defender preference store C(Set-MpPreference) writes) or V(none) (the system settings decide); see
            the collection's C(docs/owners.md).
          type: str
          sample: policy
authentication:
  description:
    - Who authenticates to the proxy - per consumer (nested as C(effective)), the account it uses toward its
      proxy and whether it can authenticate, with the reason and source (C(docs/findings.md)).
  returned: when O(via) includes V(effective) or V(winhttp_default)
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
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host, always 1.
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
"""

from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_endpoint_check import ENDPOINT_CHECK_SPEC

ARGUMENT_SPEC = ENDPOINT_CHECK_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.proxy_endpoint_check")


if __name__ == "__main__":
    main()
