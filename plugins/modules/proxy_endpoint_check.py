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
    URLs it reports the HTTP status code. Each network step is bounded by O(timeout).
  - A chain that does not end at one of Microsoft's public roots is intercepted (a TLS-inspecting proxy's own CA, for
    example C(Zscaler Root CA)). Delivery Optimization pins its certificates, so an intercepted Delivery Optimization
    endpoint is finding C(EP001) with the exemption Microsoft's Delivery Optimization proxy document asks for; a
    Defender for Endpoint URL the sensor cannot reach on its own route is finding C(EP002); an intercepted Defender
    for Endpoint, Defender Antivirus or Endpoint DLP URL is finding C(EP003) (C(docs/findings.md)).
  - O(via=effective) checks each URL on the route its consumer would take, decided from the proxy settings read in
    the same host command (as M(proxyfleet.windows.proxy_facts) decides it), bypass lists included. Routes through a
    PAC file or a user's own WinINET proxy are reported as not probed; check those with O(via=named).
  - It changes nothing and runs the same in check mode. It returns C(findings) and an empty C(drift) like the other
    modules, for compliance reports.
attributes:
  check_mode:
    support: full
    description: Reads and connects only; the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing; there is nothing to diff.
  platform:
    support: full
    platforms: windows
    description: Windows hosts reached over WinRM.
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
    type: str
  timeout:
    description:
      - Seconds each network step may take (the connection, and each read of the proxy's or server's answer), 1-60.
    type: int
    default: 5
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
results:
  description:
    - One entry per URL and route taken; consumers that share a route share the entry.
    - C(url), C(service), C(via), C(consumers) (for O(via=effective)), C(proxy) (null is direct), C(source) (the
      setting that decided the route) and C(rule) (why).
    - C(probed) (false when the route cannot be probed, C(error) says why), C(reachable), C(stage) (C(connect),
      C(proxy), C(tls), C(http) or C(done)), C(error), C(proxy_status), C(http_status), C(timings).
    - C(reason) why it is not reachable (null when it is) - V(proxy_denied) (the proxy answered 403),
      V(proxy_authentication_required) (407), V(proxy_error) (5xx), else C(<stage>_failed). A proxy's 403, 407 or
      5xx is never counted as reachable.
    - C(fallback) (the sensor's route through an unreachable telemetry proxy only) C({via, probed, reachable,
      reason}) of the direct access the sensor falls back to.
    - Certificate revocation and trust list URLs (C(crl.microsoft.com), C(ctldl.windowsupdate.com)) have the
      consumer V(certificate_checks) - the operating system's route (the WinHTTP default proxy, or direct), or the
      telemetry proxy when C(PreferStaticProxyForHttpRequest) is 1.
    - C(tls) C({protocol, policy_errors, chain}), the chain leaf first, each C({subject, issuer, thumbprint,
      not_before, not_after}); C(chain_root) the CA it ends at; C(intercepted) whether the chain was intercepted
      and C(interception_basis) why - V(microsoft_root), V(same_as_direct) (an unknown root, but the same leaf as
      the direct route), V(differs_from_direct) or V(unknown_root) (nothing to compare with).
  returned: always
  type: list
  elements: dict
findings:
  description:
    - C({id, severity, surface, message, evidence, remediation, source}) per problem found (EP001, EP002, EP003).
  returned: always
  type: list
  elements: dict
drift:
  description: Always empty; the module has no desired state. Present so that reports read every module alike.
  returned: always
  type: list
  elements: dict
effective:
  description: The routes per consumer, as M(proxyfleet.windows.proxy_facts) returns them.
  returned: when O(via) includes V(effective) or V(winhttp_default)
  type: dict
host_commands:
  description: The number of commands (WinRM round trips) the task ran on the host, always 1.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_endpoint_check import ENDPOINT_CHECK_SPEC

ARGUMENT_SPEC = ENDPOINT_CHECK_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.proxy_endpoint_check")


if __name__ == "__main__":
    main()
