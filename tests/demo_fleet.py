"""A simulated fleet of Windows hosts in the WinHTTP states admins meet in the field.

Used by the demo (``make demo``) and the end-to-end tests. Each host is one regedit-format ``.reg``
file, as ``reg export`` would produce it, with some unrelated values around the proxy so tests can
show that nothing else is touched.
"""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

from tests.winsim.regfile import REG_BINARY, Value
from tests.winsim.registry import Registry

CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
CURRENT_VERSION = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"

# What the demo and most tests ask for.
PROXY = "proxy.corp.example:8080"
BYPASS = ["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]


def winhttp_blob(
    proxy: str | None, bypass: str = "", *, header: int = 0x18, counter: int = 0, flags: int | None = None
) -> bytes:
    """A WinHttpSettings blob written the way a given tool writes it (flags and header vary)."""
    if flags is None:
        flags = 0x03 if proxy else 0x01
    proxy_bytes = (proxy or "").encode("ascii")
    bypass_bytes = bypass.encode("ascii")
    return (
        struct.pack("<III", header, counter, flags)
        + struct.pack("<I", len(proxy_bytes))
        + proxy_bytes
        + struct.pack("<I", len(bypass_bytes))
        + bypass_bytes
    )


@dataclasses.dataclass(frozen=True)
class DemoHost:
    """One simulated host: what its two views hold and why it looks like that."""

    name: str
    story: str
    view64: bytes | None
    view32: bytes | None
    product: str = "Windows 11 Enterprise"
    build: str = "22631"
    encoding: str = "utf-16"


COMPLIANT = winhttp_blob(PROXY, ";".join(BYPASS))

DEMO_HOSTS: tuple[DemoHost, ...] = (
    DemoHost("ws-001", "already compliant in both views", COMPLIANT, COMPLIANT),
    DemoHost("ws-002", "fresh install: no WinHTTP proxy at all (direct)", None, None),
    DemoHost("ws-003", "set with 64-bit netsh only; 32-bit apps go direct", COMPLIANT, None),
    DemoHost(
        "ws-004",
        "still on the decommissioned proxy",
        winhttp_blob("oldproxy.corp.example:3128", "<local>"),
        winhttp_blob("oldproxy.corp.example:3128", "<local>"),
    ),
    DemoHost(
        "ws-005",
        "right proxy, but the bypass list lacks the Delivery Optimization exemption",
        winhttp_blob(PROXY, "<local>;*.corp.example"),
        winhttp_blob(PROXY, "<local>;*.corp.example"),
    ),
    DemoHost(
        "ws-006",
        "same proxy and bypass in another order and case: compliant by meaning",
        winhttp_blob("PROXY.corp.example:8080", "*.PROD.do.dsp.mp.microsoft.com;<LOCAL>;*.Corp.Example"),
        winhttp_blob("proxy.corp.example:8080", "*.corp.example;*.prod.do.dsp.mp.microsoft.com;<local>"),
        encoding="utf-8",
    ),
    DemoHost(
        "ws-007",
        "newer Windows build writing header 0x28 (netsh advproxy), wrong proxy",
        winhttp_blob("proxy-eu.corp.example:8080", "<local>", header=0x28, counter=4),
        winhttp_blob("proxy-eu.corp.example:8080", "<local>", header=0x28, counter=4),
        build="26100",
        product="Windows 11 Enterprise 24H2",
    ),
    DemoHost(
        "srv-008",
        "per-scheme proxies left over from a pilot",
        winhttp_blob("http=proxy.corp.example:8080;https=proxy-tls.corp.example:8443", "<local>"),
        winhttp_blob("http=proxy.corp.example:8080;https=proxy-tls.corp.example:8443", "<local>"),
        product="Windows Server 2022 Datacenter",
        build="20348",
    ),
    DemoHost(
        "srv-009",
        "corrupted value: truncated by a broken script",
        winhttp_blob(PROXY, ";".join(BYPASS))[:30],
        COMPLIANT,
        product="Windows Server 2019 Datacenter",
        build="17763",
    ),
    DemoHost(
        "srv-010",
        "explicitly reset to direct (netsh winhttp reset proxy)",
        winhttp_blob(None),
        winhttp_blob(None),
        product="Windows Server 2022 Datacenter",
        build="20348",
    ),
    DemoHost(
        "ws-011",
        "written by Wine-style tooling (flags 0x02): compliant",
        winhttp_blob(PROXY, ";".join(BYPASS), flags=0x02),
        winhttp_blob(PROXY, ";".join(BYPASS), flags=0x02),
        encoding="utf-8",
    ),
    DemoHost(
        "ws-012",
        "proxy by IP address instead of name",
        winhttp_blob("10.0.0.6:8080", "<local>"),
        winhttp_blob("10.0.0.6:8080", "<local>"),
    ),
)


def host_registry(host: DemoHost) -> Registry:
    """The registry of one demo host, both views, with unrelated neighbours of the proxy value."""
    registry = Registry()
    registry.set_value("HKLM", CURRENT_VERSION, "ProductName", Value.string(host.product))
    registry.set_value("HKLM", CURRENT_VERSION, "CurrentBuild", Value.string(host.build))
    for view, blob in ((64, host.view64), (32, host.view32)):
        # A neighbour that must survive every write untouched.
        registry.set_value(
            "HKLM",
            CONNECTIONS,
            "SavedLegacySettings",
            Value(REG_BINARY, bytes.fromhex("46000000020000000100000000000000")),
            view=view,
        )
        if blob is not None:
            registry.set_value("HKLM", CONNECTIONS, "WinHttpSettings", Value(REG_BINARY, blob), view=view)
    return registry


def write_fleet(directory: Path, hosts: tuple[DemoHost, ...] = DEMO_HOSTS) -> list[str]:
    """Write one ``.reg`` file per host into ``directory``; return the host names."""
    directory.mkdir(parents=True, exist_ok=True)
    for host in hosts:
        data = host_registry(host).dumps()
        if host.encoding == "utf-8":
            # reg files written by hand or by tools other than regedit are often plain UTF-8.
            data = data.decode("utf-16").encode("utf-8")
        (directory / f"{host.name}.reg").write_bytes(data)
    return [host.name for host in hosts]
