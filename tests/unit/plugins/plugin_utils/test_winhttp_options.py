"""winhttp_proxy option validation: exact messages, before any host command."""

from __future__ import annotations

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface_winhttp import Desired
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._winhttp_options import desired_from_options

HOST_PORT = (
    "host:port (a host name, an IPv4 address or a bracketed IPv6 address such as [fd00::1], "
    "then a port 1-65535), e.g. proxy.corp.example:8080"
)
BYPASS = (
    "a host name, address or wildcard pattern such as *.corp.example, 10.*, <local> or <-loopback>, "
    "without spaces, quotes, ';', control or non-ASCII characters"
)


def options(**given: object) -> dict[str, object]:
    return {"proxy": None, "bypass": None, "state": "present", "views": [64, 32], "source": None, **given}


@pytest.mark.parametrize(
    ("proxy", "expected"),
    [
        ("proxy.corp.example:8080", "proxy.corp.example:8080"),
        ("10.0.0.6:8080", "10.0.0.6:8080"),
        ("[fd00::1]:3128", "[fd00::1]:3128"),
        ("p:1", "p:1"),
        ("PROXY_01.corp:65535", "PROXY_01.corp:65535"),
        ({"http": "proxy1:80", "https": "proxy2:443"}, "http=proxy1:80;https=proxy2:443"),
        ({"socks": "s:1080", "ftp": "f:21"}, "socks=s:1080;ftp=f:21"),
    ],
)
def test_valid_proxies(proxy: object, expected: str) -> None:
    desired, views = desired_from_options(options(proxy=proxy, bypass=["<local>", "*.corp.example"]))
    assert desired == Desired("named_proxy", expected, ("<local>", "*.corp.example"))
    assert views == [64, 32]


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        ("proxy:0", f"proxy: 'proxy:0' is not a valid proxy; expected {HOST_PORT}"),
        ("proxy:65536", f"proxy: 'proxy:65536' is not a valid proxy; expected {HOST_PORT}"),
        (
            "fd00::1:3128",
            "proxy: 'fd00::1:3128' is ambiguous: an IPv6 address without brackets, whose last group could be the "
            "port or part of the address; write the address in brackets, then the port, e.g. [fd00::1]:8080",
        ),
        ("256.1.1.1:80", f"proxy: '256.1.1.1:80' is not a valid proxy; expected {HOST_PORT}"),
        (
            "socks5://proxy:8080",
            f"proxy: 'socks5://proxy:8080' is not a valid proxy; expected {HOST_PORT} without a scheme",
        ),
        (
            "http://proxy:0",
            f"proxy: 'http://proxy:0' is not a valid proxy; expected {HOST_PORT}, optionally after http://",
        ),
        (
            "http=a:1;https",
            "proxy: 'https' in 'http=a:1;https' is not scheme=host:port; expected a per-scheme proxy such as "
            "http=proxy.corp.example:8080;https=proxy.corp.example:8443",
        ),
        ("http=a:1;https=b:0", f"proxy.https: 'b:0' is not a valid proxy; expected {HOST_PORT}"),
        ("a b:80", f"proxy: 'a b:80' is not a valid proxy; expected {HOST_PORT}"),
        ("$(calc):80", f"proxy: '$(calc):80' is not a valid proxy; expected {HOST_PORT}"),
        ("pr\u00f6xy:80", f"proxy: 'pr\\xf6xy:80' is not a valid proxy; expected {HOST_PORT}"),
        ("-bad.example:80", f"proxy: '-bad.example:80' is not a valid proxy; expected {HOST_PORT}"),
        (8080, f"proxy: 8080 is not a valid proxy; expected {HOST_PORT}"),
        ({"gopher": "g:70"}, "proxy: unknown scheme 'gopher'; accepted schemes: http, https, ftp, socks"),
        ({"https": "b c"}, f"proxy.https: 'b c' is not a valid proxy; expected {HOST_PORT}"),
        ({}, "proxy: the per-scheme dict is empty; name at least one of http, https, ftp, socks"),
    ],
)
def test_invalid_proxies(proxy: object, message: str) -> None:
    with pytest.raises(ProxyInputError) as info:
        desired_from_options(options(proxy=proxy))
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("bypass", "message"),
    [
        (["ok", "a b"], f"bypass[1]: 'a b' is not a valid bypass entry; expected {BYPASS}"),
        (["a;b"], f"bypass[0]: 'a;b' is not a valid bypass entry; expected {BYPASS}"),
        (['"quoted"'], f"bypass[0]: '\"quoted\"' is not a valid bypass entry; expected {BYPASS}"),
        (["it's"], f"bypass[0]: 'it's' is not a valid bypass entry; expected {BYPASS}"),
        (["tab\there"], f"bypass[0]: 'tab\\there' is not a valid bypass entry; expected {BYPASS}"),
        (["nul\x00"], f"bypass[0]: 'nul\\x00' is not a valid bypass entry; expected {BYPASS}"),
        (["caf\u00e9.example"], f"bypass[0]: 'caf\\xe9.example' is not a valid bypass entry; expected {BYPASS}"),
        (["<local>", ""], f"bypass[1]: '' is not a valid bypass entry; expected {BYPASS}"),
    ],
)
def test_invalid_bypass(bypass: list[str], message: str) -> None:
    with pytest.raises(ProxyInputError) as info:
        desired_from_options(options(proxy="p:1", bypass=bypass))
    assert str(info.value) == message


def test_long_bypass_entry_is_truncated_in_the_message() -> None:
    entry = "x" * 200 + " "
    with pytest.raises(ProxyInputError) as info:
        desired_from_options(options(proxy="p:1", bypass=[entry]))
    assert str(info.value) == f"bypass[0]: '{'x' * 116}... is not a valid bypass entry; expected {BYPASS}"


def test_state_absent_is_direct() -> None:
    assert desired_from_options(options(state="absent", views=[32])) == (Desired("direct"), [32])


@pytest.mark.parametrize(
    "proxy",
    [
        # What ansible.windows.win_http_proxy takes and winhttp_proxy returns: stored as given.
        "http=proxy.corp.example:8080;https=proxy.corp.example:8443",
        "proxy.corp.example",
        "http://proxy.corp.example:8080",
        "https=proxy.corp.example",
    ],
)
def test_stock_proxy_forms(proxy: str) -> None:
    assert desired_from_options(options(proxy=proxy, bypass=[""]))[0] == Desired("named_proxy", proxy, ())


def test_stock_spellings_of_removal_and_import() -> None:
    assert desired_from_options(options(proxy=""))[0] == Desired("direct")
    assert desired_from_options(options(proxy="", bypass=[""]))[0] == Desired("direct")
    assert desired_from_options(options(source="ie", views=[64])) == (None, [64])
    with pytest.raises(ProxyInputError) as info:
        desired_from_options(options(proxy="", bypass=["<local>"]))
    assert str(info.value) == (
        "bypass cannot be used with proxy='', which sets direct access (as in ansible.windows.win_http_proxy); "
        "remove it or give a proxy"
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"state": "absent", "proxy": "p:1"},
            "proxy cannot be used with state=absent, which sets direct access; remove it or use state=present",
        ),
        (
            {"state": "absent", "proxy": "p:1", "bypass": ["<local>"]},
            "proxy and bypass cannot be used with state=absent, which sets direct access; "
            "remove them or use state=present",
        ),
        ({}, "proxy is required when state=present; expected host:port or a dict scheme -> host:port"),
        ({"proxy": "p:1", "views": []}, "views: name at least one registry view, 64 or 32"),
        ({"proxy": "p:1", "views": [64, 16]}, "views: 16 is not a registry view; accepted: 64, 32"),
        (
            {"source": "wininet", "proxy": "p:1"},
            "proxy cannot be used with source=wininet, which copies them from the machine's WinINET settings",
        ),
        (
            {"source": "wininet", "state": "absent"},
            "source=wininet cannot be used with state=absent, which sets direct access",
        ),
    ],
)
def test_option_combinations(given: dict[str, object], message: str) -> None:
    with pytest.raises(ProxyInputError) as info:
        desired_from_options(options(**given))
    assert str(info.value) == message


def test_source_wininet_reads_the_desired_state_from_the_host() -> None:
    assert desired_from_options(options(source="wininet", views=[64])) == (None, [64])


def test_duplicate_views_collapse_in_order() -> None:
    assert desired_from_options(options(proxy="p:1", views=[32, 64, 32]))[1] == [32, 64]
