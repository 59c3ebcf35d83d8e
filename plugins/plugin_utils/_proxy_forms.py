# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The proxy forms winhttp_proxy and wininet_proxy accept, and comparing them by meaning (internal use only).

Beyond ``host:port`` and a dict of scheme to ``host:port``, these take what the stock modules
(ansible.windows.win_http_proxy, win_inet_proxy) take and what WinHTTP and WinINET store: a per-scheme
string ``http=a:1;https=b:2`` (the form winhttp_proxy itself returns), a host without a port, and an
``http://`` prefix, all within the proxy list syntax Microsoft documents for WINHTTP_PROXY_INFO:
``([<scheme>=][<scheme>"://"]<server>[":"<port>])``. A value is stored as the user gave it, as netsh
and the Internet Options dialog store it, and compared with the port Windows uses filled in.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    HOST_PORT_FORM,
    ProxyInputError,
    check_host_port,
    check_proxy,
    is_host,
    is_host_port,
    proxy_string,
)

# A proxy without a port is reached on port 80, INTERNET_DEFAULT_HTTP_PORT (Microsoft Learn, "INTERNET_PORT");
# that WinHTTP and WinINET fill in exactly this for a proxy entry is unverified (docs/migrating.md).
DEFAULT_PORT = 80
# SOCKS proxies conventionally listen on 1080; unverified for WinINET, see DEFAULT_PORT.
DEFAULT_SOCKS_PORT = 1080
_PREFIX = "http://"


def _target_ok(target: str) -> bool:
    rest = target[len(_PREFIX) :] if target.lower().startswith(_PREFIX) else target
    return is_host_port(rest) or is_host(rest)


def _describe(value: str) -> str:
    text = "'" + value.encode("unicode_escape").decode("ascii") + "'"
    return text if len(text) <= 120 else text[:117] + "..."


def _check_target(option: str, target: object) -> str:
    if isinstance(target, str) and _target_ok(target):
        return target
    if isinstance(target, str) and target.lower().startswith(_PREFIX):
        # check_host_port would hint "without a scheme", which is wrong for the prefix WinINET stores.
        raise ProxyInputError(
            f"{option}: {_describe(target)} is not a valid proxy; expected {HOST_PORT_FORM}, optionally after http://"
        )
    return check_host_port(option, target)


def _split_schemes(option: str, text: str) -> dict[str, str]:
    """``http=a:1;https=b:2`` as a dict; a malformed item is reported by the dict checks."""
    parts: dict[str, str] = {}
    for item in text.split(";"):
        scheme, separator, target = item.partition("=")
        if not separator:
            raise ProxyInputError(
                f"{option}: {item!r} in {text!r} is not scheme=host:port; expected a per-scheme proxy such as "
                "http=proxy.corp.example:8080;https=proxy.corp.example:8443"
            )
        parts[scheme] = target
    return parts


def check_stock_proxy(option: str, value: object) -> str:
    """Validate a proxy in any accepted form; return the string to store (the user's, scheme order kept).

    Raises:
        ProxyInputError: naming ``option`` (``option.scheme`` for one entry) and the accepted form.
    """
    if isinstance(value, str) and "=" in value:
        value = _split_schemes(option, value)
    if isinstance(value, Mapping):
        # The scheme names (and an empty dict) are checked as for the dict form; the targets below.
        check_proxy(option, {scheme: "proxy:1" for scheme in value})
        return proxy_string({scheme: _check_target(f"{option}.{scheme}", target) for scheme, target in value.items()})
    return _check_target(option, value)


def _normal_target(target: str, scheme: str) -> str:
    text = target.strip().lower()
    if text.startswith(_PREFIX):
        text = text[len(_PREFIX) :]
    _host, colon, port = text.rpartition(":")
    if not (colon and port.isdigit()):
        text = f"{text}:{DEFAULT_SOCKS_PORT if scheme == 'socks' else DEFAULT_PORT}"
    return text


def proxy_key(text: str | None) -> object:
    """A comparison key: schemes in any order, hosts case-insensitive, ``http://`` and a default port implied."""
    if text is None:
        return None
    if "=" not in text:
        return _normal_target(text, "http")
    parts = {}
    for item in text.split(";"):
        scheme, separator, target = item.partition("=")
        if separator and scheme.strip():
            parts[scheme.strip().lower()] = _normal_target(target, scheme.strip().lower())
    return sorted(parts.items())


def same_proxy(left: str | None, right: str | None) -> bool:
    """Whether two stored proxy strings make Windows use the same proxies."""
    return proxy_key(left) == proxy_key(right)
