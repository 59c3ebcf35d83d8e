"""Simulated ConfigMgr hosts: site servers with an SMS Provider, an admin workstation, a plain server.

Each host is a ``<name>.reg`` (the console's install folder, where a console is installed) and a
``<name>.json`` facts file (``fqdn``, the SMS Provider's site control data, files); see
docs/dev/agent-protocol.md for the facts format.
"""

from __future__ import annotations

import codecs
import json
import typing as t
from pathlib import Path

from tests.winsim.regfile import Value
from tests.winsim.registry import Registry

SITE_SERVER_CONSOLE = "C:\\Program Files\\Microsoft Configuration Manager\\AdminConsole\\"
WORKSTATION_CONSOLE = "C:\\Program Files (x86)\\Microsoft Endpoint Manager\\AdminConsole\\"
CONFIG_NAME = "bin\\Microsoft.ConfigurationManagement.exe.config"

# A console configuration as shipped: a BOM, CRLF line ends, comments, other sections.
WORKSTATION_CONFIG = codecs.BOM_UTF8 + (
    b'<?xml version="1.0" encoding="utf-8"?>\r\n'
    b"<configuration>\r\n"
    b"  <configSections>\r\n"
    b'    <section name="adminui" type="System.Configuration.NameValueSectionHandler"/>\r\n'
    b"  </configSections>\r\n"
    b'  <!-- <system.net><defaultProxy enabled="false"/></system.net> -->\r\n'
    b'  <startup useLegacyV2RuntimeActivationPolicy="true">\r\n'
    b'    <supportedRuntime version="v4.0" sku=".NETFramework,Version=v4.6.2"/>\r\n'
    b"  </startup>\r\n"
    b"  <system.net>\r\n"
    b"    <settings>\r\n"
    b'      <servicePointManager checkCertificateRevocationList="true" />\r\n'
    b"    </settings>\r\n"
    b"  </system.net>\r\n"
    b"  <runtime>\r\n"
    b'    <generatePublisherEvidence enabled="false"/>\r\n'
    b"  </runtime>\r\n"
    b"</configuration>\r\n"
)

# The site server's console: LF line ends, tabs, a <defaultProxy> already there with the system proxy on.
SITE_SERVER_CONFIG = (
    b'<?xml version="1.0"?>\n'
    b"<configuration>\n"
    b"\t<system.net>\n"
    b"\t\t<defaultProxy useDefaultCredentials='true'>\n"
    b"\t\t\t<proxy usesystemdefault='True' bypassonlocal='True' />\n"
    b"\t\t</defaultProxy>\n"
    b"\t</system.net>\n"
    b"</configuration>\n"
)


def prop(name: str, value: int | None = 0, value1: str | None = "", value2: str | None = "") -> dict[str, t.Any]:
    return {"name": name, "value": value, "value1": value1, "value2": value2}


def site_system(
    site_code: str, server: str, *, use_proxy: int = 0, proxy: str = "", port: int = 80
) -> dict[str, t.Any]:
    """The SMS Site System role instance of a server, with its non-proxy neighbours."""
    return {
        "site_code": site_code,
        "server": server,
        "role": "SMS Site System",
        "item_name": f'["Display=\\\\{server}\\"]MSWNET:["SMS_SITE={site_code}"]\\\\{server}\\',
        "props": [
            prop("Server Remote Public Name", 0, "", ""),
            prop("FDMOperation", 0),
            prop("UseMachineAccount", 1),
            prop("UserName", 0, "", ""),
            prop("UseProxy", use_proxy),
            prop("ProxyName", 0, "", proxy),
            prop("ProxyServerPort", port),
            prop("AnonymousProxyAccess", 1),
            prop("ProxyUserName", 0, "", ""),
        ],
    }


def software_update_point(site_code: str, server: str, *, use_proxy: int = 0, for_adr: int = 0) -> dict[str, t.Any]:
    return {
        "site_code": site_code,
        "server": server,
        "role": "SMS Software Update Point",
        "item_name": f'["Display=\\\\{server}\\"]MSWNET:["SMS_SITE={site_code}"]\\\\{server}\\',
        "props": [
            prop("WSUSIISPort", 8530),
            prop("WSUSIISSSLPort", 8531),
            prop("UseProxy", use_proxy),
            prop("UseProxyForADR", for_adr),
            prop("WSUSAccessAccount", 0, "", None),
        ],
    }


def management_point(site_code: str, server: str) -> dict[str, t.Any]:
    return {"site_code": site_code, "server": server, "role": "SMS Management Point", "item_name": "mp",
            "props": [prop("UseSiteDatabase", 1)]}  # fmt: skip


def console_registry(folder: str, *, site_server: bool) -> Registry:
    registry = Registry()
    if site_server:
        registry.set_value("HKLM", "SOFTWARE\\Microsoft\\SMS\\Setup", "UI Installation Directory", Value.string(folder))
    else:
        registry.set_value(
            "HKLM",
            "SOFTWARE\\Microsoft\\ConfigMgr10\\Setup",
            "UI Installation Directory",
            Value.string(folder),
            view=32,
        )
    return registry


def file_entry(data: bytes) -> dict[str, str]:
    import base64

    return {"base64": base64.b64encode(data).decode("ascii")}


def hosts() -> dict[str, tuple[Registry, dict[str, t.Any]]]:
    """Host name -> (registry, facts)."""
    cm01 = "cm01.contoso.com"
    cm02 = "cm02.contoso.com"
    cm03 = "cm03.contoso.com"
    return {
        # Primary site PS1: site server with a SUP and a management point, a remote DP; no proxy anywhere yet.
        "cm01": (
            console_registry(SITE_SERVER_CONSOLE, site_server=True),
            {
                "fqdn": cm01,
                "sms": {"site_code": "PS1", "instances": [
                    site_system("PS1", cm01), software_update_point("PS1", cm01), management_point("PS1", cm01),
                    site_system("PS1", "dp01.contoso.com", use_proxy=1, proxy="old-proxy.contoso.com", port=3128),
                ]},
                "files": {SITE_SERVER_CONSOLE + CONFIG_NAME: file_entry(SITE_SERVER_CONFIG)},
            },
        ),
        # Site PS2: a SUP but no site system proxy.
        "cm02": (
            Registry(),
            {"fqdn": cm02, "sms": {"site_code": "PS2", "instances": [
                site_system("PS2", cm02), software_update_point("PS2", cm02)]}},
        ),
        # Site PS3: another administrator changes the proxy between our read and our write.
        "cm03": (
            Registry(),
            {"fqdn": cm03, "sms": {
                "site_code": "PS3",
                "instances": [site_system("PS3", cm03, use_proxy=1, proxy="old-proxy.contoso.com", port=3128)],
                "pending_edits": [{"role": "SMS Site System", "server": cm03, "name": "ProxyName",
                                   "set": {"value": 0, "value1": "", "value2": "other-admin.contoso.com"}}],
            }},
        ),
        # An admin workstation with the console only.
        "ws01": (
            console_registry(WORKSTATION_CONSOLE, site_server=False),
            {"fqdn": "ws01.contoso.com", "files": {WORKSTATION_CONSOLE + CONFIG_NAME: file_entry(WORKSTATION_CONFIG)}},
        ),
        # Neither ConfigMgr nor a console.
        "srv01": (Registry(), {"fqdn": "srv01.contoso.com"}),
    }  # fmt: skip


def write_hosts(directory: Path) -> list[str]:
    """Write every host's ``.reg`` and ``.json`` into ``directory``; return the names."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, (registry, facts) in hosts().items():
        registry.save(directory / f"{name}.reg")
        (directory / f"{name}.json").write_text(json.dumps(facts, indent=2), encoding="utf-8")
    return list(hosts())
