# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The URL sets proxy_endpoint_check ships, and the public roots their services present (internal use only).

Every URL names the document it comes from. Users extend the sets in the task (``urls`` takes set names
and URLs side by side); the sets here change only with the documents.
"""

from __future__ import annotations

import dataclasses

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._findings import DO_SERVICE_HOSTS

DELIVERY_OPTIMIZATION = "delivery_optimization"
DEFENDER_ENDPOINT = "defender_endpoint"
DEFENDER_ANTIVIRUS = "defender_antivirus"
ENDPOINT_DLP = "endpoint_dlp"
SERVICES = (DELIVERY_OPTIMIZATION, DEFENDER_ENDPOINT, DEFENDER_ANTIVIRUS, ENDPOINT_DLP)
TITLES = {
    DELIVERY_OPTIMIZATION: "the Delivery Optimization service",
    DEFENDER_ENDPOINT: "the Defender for Endpoint service",
    DEFENDER_ANTIVIRUS: "Defender Antivirus cloud protection (MAPS)",
    ENDPOINT_DLP: "the Endpoint DLP service",
}

DOPX = "[DOPX] https://learn.microsoft.com/windows/deployment/do/delivery-optimization-proxy"
DO_ENDPOINTS = "[DOWF] https://learn.microsoft.com/windows/deployment/do/delivery-optimization-workflow"
MDE_URLS = "[MDEURL] https://learn.microsoft.com/defender-endpoint/standard-device-connectivity-urls-commercial"
MDE_STREAMLINED = "[MDESTR] https://learn.microsoft.com/defender-endpoint/configure-device-connectivity"
AV_NETWORK = (
    "[AVNET] https://learn.microsoft.com/defender-endpoint/configure-network-connections-microsoft-defender-antivirus"
)
# A documented wildcard needs a concrete host to probe; where Microsoft names none, the sample is labelled.
SAMPLE = "sample host of the documented wildcard, unverified (docs/testing.md, live-Windows checklist)"


@dataclasses.dataclass(frozen=True)
class ShippedUrl:
    """One URL of a shipped set and why it is there."""

    url: str
    source: str


def _do_urls() -> tuple[ShippedUrl, ...]:
    why = {
        "geo": f"{DOPX}, 'Endpoints to exempt from TLS inspection': geo service, Connected Cache initialisation",
        "array": f"{DOPX}, 'Endpoints to exempt from TLS inspection': array* (peer discovery, configuration); "
        "array801 stands for the array* family",
    }
    urls = []
    for host in DO_SERVICE_HOSTS:
        name = host.split(".", 1)[0]
        family = name.rstrip("0123456789")
        reason = why.get(family, f"{DO_ENDPOINTS}, endpoint table: {host if family == name else family + '*'}")
        urls.append(ShippedUrl(f"https://{host}/", reason))
    # Content CDN: may go through the proxy unmodified ([DOPX] for cloud proxies); plain HTTP, so no TLS to inspect.
    urls.append(
        ShippedUrl(
            "http://7.tlu.dl.delivery.mp.microsoft.com/", f"{DOPX}, CDN *.dl.delivery.mp.microsoft.com; {SAMPLE}"
        )
    )
    return tuple(urls)


URL_SETS: dict[str, tuple[ShippedUrl, ...]] = {
    DELIVERY_OPTIMIZATION: _do_urls(),
    DEFENDER_ENDPOINT: (
        ShippedUrl(
            "https://winatp-gw-cus.microsoft.com/",
            f"{MDE_URLS}, MDE command and control (winatp-gw-*.microsoft.com; cus, Central US, stands for the family)",
        ),
        ShippedUrl(
            "https://edr-cus.us.endpoint.security.microsoft.com/",
            f"{MDE_STREAMLINED}, streamlined connectivity *.endpoint.security.microsoft.com; {SAMPLE}",
        ),
        ShippedUrl(
            "https://events.data.microsoft.com/",
            f"{MDE_URLS}, 'Common': events.data.microsoft.com (Connected User Experiences and Telemetry)",
        ),
        ShippedUrl("http://crl.microsoft.com/", f"{MDE_URLS}, 'CRL': certificate revocation lists, port 80"),
        ShippedUrl(
            "http://ctldl.windowsupdate.com/",
            f"{MDE_URLS}, 'CRL': ctldl.windowsupdate.com (certificate trust lists), port 80",
        ),
    ),
    DEFENDER_ANTIVIRUS: (
        ShippedUrl(
            "https://wdcp.microsoft.com/", f"{AV_NETWORK}, cloud-delivered protection (MAPS) *.wdcp.microsoft.com"
        ),
        ShippedUrl(
            "https://unitedstates.cp.wd.microsoft.com/",
            f"{AV_NETWORK}, cloud-delivered protection *.wd.microsoft.com; {SAMPLE}",
        ),
    ),
}
# Endpoint DLP has no shipped set: its URLs depend on the tenant's region. Give them as {url, service: endpoint_dlp};
# they take the sensor's route ([DLP]: the same telemetry proxy values as Defender for Endpoint).

# Hosts of certificate revocation lists and trust lists ([MDEURL] 'CRL'): the operating system fetches them.
CERTIFICATE_HOSTS = frozenset({"crl.microsoft.com", "ctldl.windowsupdate.com"})

# The roots Microsoft's public TLS certificates chain to. A chain that ends anywhere else for one of
# these services was issued by someone in the middle (a TLS-inspecting proxy's own CA).
# Source: Microsoft Learn, "Azure Certificate Authority details" (root and subordinate CAs used by
# Microsoft services): https://learn.microsoft.com/azure/security/fundamentals/azure-ca-details
EXPECTED_ROOTS = (
    "DigiCert Global Root G2",
    "DigiCert Global Root G3",
    "DigiCert Global Root CA",
    "Baltimore CyberTrust Root",
    "Microsoft RSA Root Certificate Authority 2017",
    "Microsoft ECC Root Certificate Authority 2017",
    # Microsoft's current roots ("Azure Certificate Authority details"), and the root of Windows' own PKI.
    "Microsoft TLS RSA Root G2",
    "Microsoft TLS ECC Root G2",
    "Microsoft Root Certificate Authority 2011",
)
EXPECTED_ROOTS_SOURCE = (
    "Azure Certificate Authority details: https://learn.microsoft.com/azure/security/fundamentals/azure-ca-details"
)
