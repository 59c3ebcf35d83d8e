"""Simulated hosts for proxy_endpoint_check: one behind a TLS-inspecting proxy, one with direct access.

Each host is a registry (written as ``<host>.reg``) plus the ``network`` facts the agent twin answers
``tls_probe`` from (``<host>.json``, see ``tests/winsim/probe_twin.py``).
"""

from __future__ import annotations

import json
import struct
import typing as t
from pathlib import Path

from tests.winsim.regfile import REG_BINARY, Value
from tests.winsim.registry import Registry

PROXY = "proxy.corp.example:8080"
# geo is bypassed (sent direct), the other DO service hosts go through the inspecting proxy.
BYPASS = "<local>;*.corp.example;geo.prod.do.dsp.mp.microsoft.com"
CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
CURRENT_VERSION = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"
WININET_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"

INSPECTED = "ws-inspected"
DIRECT = "ws-direct"

ZSCALER_ROOT = "CN=Zscaler Root CA, OU=Zscaler Inc., O=Zscaler Inc., L=San Jose, S=California, C=US"
ZSCALER_INTERMEDIATE = "CN=Zscaler Intermediate Root CA (zscalerthree.net), OU=Zscaler Inc., O=Zscaler Inc., C=US"
DIGICERT_G2 = "CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US"
AZURE_CA = "CN=Microsoft Azure RSA TLS Issuing CA 04, O=Microsoft Corporation, C=US"


def certificate(subject: str, issuer: str, thumbprint: str) -> dict[str, str]:
    return {
        "subject": subject,
        "issuer": issuer,
        "thumbprint": thumbprint,
        "not_before": "2026-01-05T00:00:00.0000000Z",
        "not_after": "2027-01-05T23:59:59.0000000Z",
    }


CHAINS = {
    "microsoft": [
        certificate("CN=*.prod.do.dsp.mp.microsoft.com", AZURE_CA, "3F1A" * 10),
        certificate(AZURE_CA, DIGICERT_G2, "FB73" * 10),
        certificate(DIGICERT_G2, DIGICERT_G2, "DF3C" * 10),
    ],
    "zscaler": [
        certificate("CN=*.prod.do.dsp.mp.microsoft.com", ZSCALER_INTERMEDIATE, "A1B2" * 10),
        certificate(ZSCALER_INTERMEDIATE, ZSCALER_ROOT, "C3D4" * 10),
        certificate(ZSCALER_ROOT, ZSCALER_ROOT, "E5F6" * 10),
    ],
}

INSPECTED_NETWORK = {
    "chains": CHAINS,
    "rules": [
        # The proxy refuses the telemetry endpoint: the sensor cannot report.
        {
            "host": "events.data.microsoft.com",
            "via": PROXY,
            "answer": {"stage": "proxy", "error": "the proxy answered CONNECT with HTTP 403", "proxy_status": 403},
        },
        {
            "host": "unreachable.corp.example",
            "via": PROXY,
            "answer": {"stage": "proxy", "error": "the proxy answered CONNECT with HTTP 502", "proxy_status": 502},
        },
        {"host": "*", "port": 443, "via": PROXY, "answer": {"chain": "zscaler"}},
        {"host": "*", "port": 80, "via": PROXY, "answer": {"http_status": 200}},
        # Direct access is open for the DO service only (the bypassed host goes there).
        {"host": "*.prod.do.dsp.mp.microsoft.com", "via": "direct", "answer": {"chain": "microsoft"}},
        {
            "host": "*",
            "via": "direct",
            "answer": {"stage": "connect", "error": "connecting to the host timed out after 5000 ms"},
        },
    ],
}

DIRECT_NETWORK = {
    "chains": CHAINS,
    "rules": [
        {"host": "unreachable.corp.example", "answer": {"stage": "connect", "error": "No such host is known"}},
        {"host": "*", "port": 443, "via": "direct", "answer": {"chain": "microsoft"}},
        {"host": "*", "port": 80, "via": "direct", "answer": {"http_status": 200}},
    ],
}


def length_prefixed(text: str) -> bytes:
    data = text.encode("ascii")
    return struct.pack("<I", len(data)) + data


def winhttp_blob(proxy: str, bypass: str) -> bytes:
    return struct.pack("<III", 0x18, 0, 0x03) + length_prefixed(proxy) + length_prefixed(bypass)


def connection_blob(proxy: str, bypass: str) -> bytes:
    return struct.pack("<III", 0x46, 7, 0x03) + length_prefixed(proxy) + length_prefixed(bypass) + bytes(4 + 32)


def base_registry(build: str = "22631") -> Registry:
    registry = Registry()
    registry.set_value("HKLM", CURRENT_VERSION, "CurrentBuild", Value.string(build))
    registry.set_value("HKLM", CURRENT_VERSION, "ProductName", Value.string("Windows 10 Enterprise"))
    return registry


def inspected_registry() -> Registry:
    """Device-wide WinINET, netsh and the telemetry proxy all on the inspecting proxy."""
    registry = base_registry()
    registry.set_value("HKLM", WININET_POLICY, "ProxySettingsPerUser", Value.dword(0))
    for view in (64, 32):
        registry.set_value("HKLM", CONNECTIONS, "WinHttpSettings", Value(REG_BINARY, winhttp_blob(PROXY, BYPASS)), view)
        registry.set_value(
            "HKLM", CONNECTIONS, "DefaultConnectionSettings", Value(REG_BINARY, connection_blob(PROXY, BYPASS)), view
        )
    registry.set_value("HKLM", DATA_COLLECTION, "TelemetryProxyServer", Value.string(PROXY))
    registry.set_value("HKLM", DATA_COLLECTION, "DisableEnterpriseAuthProxy", Value.dword(1))
    return registry


HOSTS: dict[str, tuple[t.Callable[[], Registry], dict[str, t.Any]]] = {
    INSPECTED: (inspected_registry, INSPECTED_NETWORK),
    DIRECT: (base_registry, DIRECT_NETWORK),
}

# Issue 15, who authenticates: a host whose every proxy setting names a proxy that requires credentials. It answers
# 407 to every request without them (the probe sends none), and direct access is blocked.
AUTHENTICATING = "ws-authproxy"
AUTH_PROXY = "auth.corp.example:8080"
AUTH_REFUSAL = {"stage": "proxy", "error": "the proxy answered CONNECT with HTTP 407", "proxy_status": 407}
AUTH_NETWORK = {
    "chains": CHAINS,
    "rules": [
        {"host": "*", "port": 443, "via": AUTH_PROXY, "answer": AUTH_REFUSAL},
        # An http URL sent through the proxy gets the proxy's own answer as its status.
        {"host": "*", "port": 80, "via": AUTH_PROXY, "answer": {"http_status": 407}},
        {"host": "*", "via": "direct", "answer": {"stage": "connect", "error": "connecting to the host timed out"}},
    ],
}


def authenticating_registry() -> Registry:
    """Device-wide WinINET, a netsh copy of it (NetworkService takes that one) and the telemetry proxy: one proxy."""
    registry = base_registry()
    registry.set_value("HKLM", WININET_POLICY, "ProxySettingsPerUser", Value.dword(0))
    for view in (64, 32):
        blob = Value(REG_BINARY, winhttp_blob(AUTH_PROXY, "<local>"))
        registry.set_value("HKLM", CONNECTIONS, "WinHttpSettings", blob, view)
        registry.set_value(
            "HKLM",
            CONNECTIONS,
            "DefaultConnectionSettings",
            Value(REG_BINARY, connection_blob(AUTH_PROXY, "<local>")),
            view,
        )
    registry.set_value("HKLM", DATA_COLLECTION, "TelemetryProxyServer", Value.string(AUTH_PROXY))
    registry.set_value("HKLM", DATA_COLLECTION, "DisableEnterpriseAuthProxy", Value.dword(1))
    return registry


AUTH_HOSTS: dict[str, tuple[t.Callable[[], Registry], dict[str, t.Any]]] = {
    AUTHENTICATING: (authenticating_registry, AUTH_NETWORK),
}


def write_endpoint_fleet(
    directory: Path, hosts: dict[str, tuple[t.Callable[[], Registry], dict[str, t.Any]]] | None = None
) -> list[str]:
    """Write every host's ``.reg`` and ``.json`` into ``directory`` (``hosts``: HOSTS); return the host names."""
    hosts = HOSTS if hosts is None else hosts
    directory.mkdir(parents=True, exist_ok=True)
    for name, (registry, network) in hosts.items():
        registry().save(directory / f"{name}.reg")
        (directory / f"{name}.json").write_text(json.dumps({"network": network}, indent=2), encoding="utf-8")
    return list(hosts)
