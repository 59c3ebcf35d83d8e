# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation and normalisation of proxy strings and bypass lists (internal use only).

Every message names the option, quotes the value and states the accepted form, because these are
the errors users meet first, before anything touches a host.
"""

from __future__ import annotations

import ipaddress
import re
import typing as t
from collections.abc import Mapping

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._redact import redact_credentials

PROXY_SCHEMES = ("http", "https", "ftp", "socks")
HOST_PORT_FORM = (
    "host:port (a host name, an IPv4 address or a bracketed IPv6 address such as [fd00::1], "
    "then a port 1-65535), e.g. proxy.corp.example:8080"
)
ZONE_FORM = "a zone id is an interface number such as %12, or a name of letters, digits, '_', '-' or '.'"
BYPASS_FORM = (
    "a host name, address or wildcard pattern such as *.corp.example, 10.*, <local> or <-loopback>, "
    "without spaces, quotes, ';', control or non-ASCII characters"
)

# Bounds of what a task may send, checked before any host command (docs/robustness.md#sizes).
MAX_HOST_NAME = 253  # RFC 1035; WinINET's INTERNET_MAX_HOST_NAME_LENGTH is 256 with the NUL
MAX_URL = 2083  # INTERNET_MAX_URL_LENGTH, the longest URL WinINET takes
MAX_BYPASS_ENTRY = 1024  # ours: no host name pattern needs more (Windows' own limit unverified)
MAX_BYPASS_ENTRIES = 1000  # ours (Windows' own limit unverified)
MAX_ZONE = 64  # ours: an interface index has at most 10 digits, interface names are short

# \Z, not $: "$" also matches before a trailing newline, which let "proxy\n:8080" through.
_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)\Z")
# Windows writes the zone (scope) id of a link-local address as the interface index, a number up to
# 0xFFFFFFFF (.NET IPAddress.ScopeId). Names are accepted only of characters that cannot end a proxy,
# start another one or escape anything: never ';', '=', ',', spaces, quotes, '$' or control characters.
_ZONE = re.compile(rf"[A-Za-z0-9_.-]{{1,{MAX_ZONE}}}\Z")
_PORT = re.compile(r"[0-9]{1,5}\Z")
_BYPASS_FORBIDDEN = re.compile(r"[\s\"';]")


class ProxyInputError(ValueError):
    """User input that does not have the accepted form; the message is meant for the user."""


def describe(value: object) -> str:
    """A value for a message: quoted, control and non-ASCII characters escaped, credentials redacted,
    cut at 120 characters. Used for typed values and for values read from a host alike."""
    if isinstance(value, str):
        text = "'" + redact_credentials(value).encode("unicode_escape").decode("ascii") + "'"
    else:
        text = redact_credentials(repr(value))
    return text if len(text) <= 120 else text[:117] + "..."


def is_ipv6(text: str) -> bool:
    """True for an IPv6 address (without brackets), with at most a zone id as Windows writes one.

    Python's ipaddress accepts any text after '%' as the zone: that let
    ``[fe80::1%a;https=evil.example:80;x]:8080`` through, which reads back as a second, per-scheme
    proxy. The zone is checked here, once, for every module and the endpoint check.
    """
    address, percent, zone = text.partition("%")
    if percent and not (_ZONE.match(zone) and (not zone.isdigit() or int(zone) <= 0xFFFFFFFF)):
        return False
    if not address.isascii() or "%" in zone:
        return False
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


def is_host(host: str, *, bare_ipv6: bool = False) -> bool:
    """True for a DNS host name, an IPv4 address, or a bracketed IPv6 address.

    With ``bare_ipv6``, an IPv6 address without brackets is a host too (where no port can follow it,
    as in a list of Connected Cache hosts).
    """
    if host.startswith("[") and host.endswith("]"):
        return is_ipv6(host[1:-1])
    if bare_ipv6 and ":" in host:
        return is_ipv6(host)
    if not host.isascii() or len(host) > MAX_HOST_NAME:
        return False
    if re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return False
        return True
    return all(_LABEL.match(label) for label in host.split("."))


def is_host_port(value: str) -> bool:
    """True for ``host:port`` as WinHTTP, the telemetry proxy and netsh accept it."""
    host, sep, port = value.rpartition(":")
    if not sep or not _PORT.match(port) or not 1 <= int(port) <= 65535:
        return False
    return is_host(host)


def ambiguous_ipv6(value: str) -> bool:
    """True for an IPv6 address without brackets, where the last group may be a port or not."""
    if value.startswith("[") or value.count(":") < 2:
        return False
    return is_ipv6(value) or is_ipv6(value.rpartition(":")[0])


def check_host_port(option: str, value: object) -> str:
    """Return ``value`` if it is ``host:port``; raise a message naming ``option`` otherwise."""
    if isinstance(value, str) and ambiguous_ipv6(value):
        raise ProxyInputError(
            f"{option}: {describe(value)} is ambiguous: an IPv6 address without brackets, whose last group could "
            "be the port or part of the address; write the address in brackets, then the port, e.g. [fd00::1]:8080"
        )
    if not isinstance(value, str) or not is_host_port(value):
        hint = ""
        if isinstance(value, str) and "%" in value:
            hint = f"; {ZONE_FORM}"
        elif isinstance(value, str) and "://" in value:
            hint = " without a scheme"
        elif isinstance(value, str) and "=" in value:
            hint = "; give per-scheme proxies as a dict, e.g. {http: 'proxy:80', https: 'proxy:8443'}"
        raise ProxyInputError(f"{option}: {describe(value)} is not a valid proxy; expected {HOST_PORT_FORM}{hint}")
    return value


def check_proxy(option: str, value: object) -> dict[str, str] | str:
    """Validate a proxy given as ``host:port`` or as a dict scheme -> ``host:port``."""
    if isinstance(value, Mapping):
        if not value:
            raise ProxyInputError(
                f"{option}: the per-scheme dict is empty; name at least one of {', '.join(PROXY_SCHEMES)}"
            )
        checked: dict[str, str] = {}
        for scheme, target in value.items():
            if scheme not in PROXY_SCHEMES:
                raise ProxyInputError(
                    f"{option}: unknown scheme {describe(scheme)}; accepted schemes: {', '.join(PROXY_SCHEMES)}"
                )
            checked[scheme] = check_host_port(f"{option}.{scheme}", target)
        return checked
    return check_host_port(option, value)


def given_options(args: t.Mapping[str, t.Any], names: t.Iterable[str], *, absent_effect: str) -> list[str]:
    """The options among ``names`` the task gave; with state=absent, giving any of them is an error."""
    given = [name for name in names if args.get(name) is not None]
    if args.get("state") == "absent" and given:
        raise ProxyInputError(f"{' and '.join(given)} cannot be used with state=absent, which {absent_effect}")
    return given


def check_views(views: object) -> list[int]:
    """The registry views to work on, each 64 or 32, duplicates dropped, in the given order."""
    unique = list(dict.fromkeys(views or [])) if isinstance(views, list) else []
    if not unique:
        raise ProxyInputError("views: name at least one registry view, 64 or 32")
    unknown = [view for view in unique if view not in (64, 32)]
    if unknown:
        raise ProxyInputError(f"views: {unknown[0]} is not a registry view; accepted: 64, 32")
    return unique


def check_bypass(option: str, entries: object) -> list[str]:
    """Validate a bypass list; returns the entries in the user's order."""
    if not isinstance(entries, list):
        raise ProxyInputError(f"{option}: expected a list of entries, each {BYPASS_FORM}")
    if len(entries) > MAX_BYPASS_ENTRIES:
        raise ProxyInputError(
            f"{option}: {len(entries)} entries, more than the {MAX_BYPASS_ENTRIES} a bypass list takes"
        )
    for index, entry in enumerate(entries):
        if isinstance(entry, str) and len(entry) > MAX_BYPASS_ENTRY:
            raise ProxyInputError(
                f"{option}[{index}]: {len(entry)} characters, more than the {MAX_BYPASS_ENTRY} a bypass entry takes"
            )
        if (
            not isinstance(entry, str)
            or not entry
            or not entry.isascii()
            or _BYPASS_FORBIDDEN.search(entry)
            or any(ord(char) < 0x20 or ord(char) == 0x7F for char in entry)
        ):
            raise ProxyInputError(
                f"{option}[{index}]: {describe(entry)} is not a valid bypass entry; expected {BYPASS_FORM}"
            )
    return list(entries)


def bypass_warnings(option: str, entries: t.Sequence[str]) -> list[str]:
    """What a valid bypass list may do by mistake: bypass every host, or name an entry twice."""
    warnings = []
    if "*" in entries:
        warnings.append(f"{option}: the entry '*' bypasses the proxy for every host, so the proxy is never used")
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for entry in entries:
        if entry.lower() in seen and entry.lower() not in {d.lower() for d in duplicates}:
            duplicates.append(entry)
        seen.setdefault(entry.lower(), entry)
    if duplicates:
        listed = ", ".join(describe(entry) for entry in duplicates)
        warnings.append(f"{option}: duplicate entries (compared ignoring case): {listed}")
    return warnings


def proxy_string(proxy: dict[str, str] | str) -> str:
    """The WinHTTP/WinINET form: ``host:port`` or ``http=h:p;https=h:p`` in the user's order."""
    if isinstance(proxy, str):
        return proxy
    return ";".join(f"{scheme}={target}" for scheme, target in proxy.items())


def parse_proxy_string(text: str) -> dict[str, str] | str:
    """Inverse of :func:`proxy_string` for comparison; unknown shapes come back unchanged."""
    if "=" not in text:
        return text
    parts: dict[str, str] = {}
    for item in text.split(";"):
        scheme, separator, target = item.partition("=")
        if separator and scheme.strip():
            parts[scheme.strip().lower()] = target.strip()
    return parts


def same_proxy(left: str | None, right: str | None) -> bool:
    """Compare two proxy strings by meaning: host names case-insensitively, schemes in any order."""
    if left is None or right is None:
        return left is right

    def key(text: str) -> object:
        parsed = parse_proxy_string(text.strip())
        if isinstance(parsed, str):
            return parsed.lower()
        return sorted((scheme, target.lower()) for scheme, target in parsed.items())

    return key(left) == key(right)


def same_bypass(left: t.Iterable[str], right: t.Iterable[str]) -> bool:
    """Compare bypass lists case-insensitively and in any order."""
    return {entry.lower() for entry in left} == {entry.lower() for entry in right}


_URL_FORBIDDEN = re.compile(r"[\s\"'<>\\^`{|}]")


def _split_url(value: str) -> tuple[str, str, str] | None:
    """(scheme, host:port or host, path) of an http(s) URL, or None when it is not one."""
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or not value.isascii() or _URL_FORBIDDEN.search(value):
        return None
    if len(value) > MAX_URL:
        return None
    authority, slash, path = rest.partition("/")
    host, colon, port = authority.rpartition(":") if not authority.endswith("]") else (authority, "", "")
    if not colon:
        host = authority
    elif not _PORT.match(port) or not 1 <= int(port) <= 65535:
        return None
    if not host or not is_host(host) or any(ord(char) < 0x20 for char in value):
        return None
    return scheme.lower(), authority, slash + path


def check_proxy_url(option: str, value: object) -> str:
    """A proxy given as a URL with its scheme, as Defender Antivirus wants it: http://host:port."""
    parts = _split_url(value) if isinstance(value, str) else None
    if parts is None or parts[2] not in ("", "/"):
        hint = (
            " (Defender Antivirus ignores a proxy without a scheme)"
            if isinstance(value, str) and is_host_port(value)
            else ""
        )
        raise ProxyInputError(
            f"{option}: {describe(value)} is not a valid proxy URL; expected http:// or https:// followed by "
            f"host:port, e.g. http://proxy.corp.example:8080{hint}"
        )
    return str(value)


def check_url(option: str, value: object) -> str:
    """An http or https URL, e.g. of a PAC file."""
    if not isinstance(value, str) or _split_url(value) is None:
        raise ProxyInputError(
            f"{option}: {describe(value)} is not a valid URL; expected an http:// or https:// URL such as "
            "http://proxy.corp.example/proxy.pac"
        )
    return value


def same_url(left: t.Any, right: t.Any) -> bool:
    """Compare URLs by meaning: scheme and host case-insensitively, the path exactly."""
    left_parts, right_parts = _split_url(str(left)), _split_url(str(right))
    if left_parts is None or right_parts is None:
        return str(left) == str(right)
    return (left_parts[0], left_parts[1].lower(), left_parts[2] or "/") == (
        right_parts[0],
        right_parts[1].lower(),
        right_parts[2] or "/",
    )
