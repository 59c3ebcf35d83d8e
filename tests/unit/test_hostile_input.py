"""Hostile input against every module and filter: property tests (hypothesis), run in-process.

Each module's real action plugin runs against a simulated host (``tests/inprocess.py``). Valid input
is accepted, written, read back as given, survives a save/load of the host's ``.reg`` file and then
reports no drift. Invalid input (PowerShell metacharacters, quotes, ``$()``, backticks, newlines, NUL,
long and non-ASCII strings where they are not allowed) fails with the documented message, with no
host command and the registry untouched. Every command line any run sends is the constant bootstrap.

Example counts are bounded and derandomized so CI time stays small and failures reproduce.
"""

from __future__ import annotations

import contextlib
import json
import typing as t
import uuid

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import HealthCheck, given, is_hypothesis_test, settings
from hypothesis import strategies as st

from ansible_collections.proxyfleet.windows.plugins.filter.connection_settings import (
    connection_settings_decode,
    connection_settings_encode,
)
from ansible_collections.proxyfleet.windows.plugins.filter.winhttp_settings import (
    winhttp_settings_decode,
    winhttp_settings_encode,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._agent_protocol import BOOTSTRAP_COMMAND_LINE
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._redact import redact, redact_credentials
from tests.inprocess import REPO_ROOT, ActionRun, InProcessHost
from tests.winsim import regfile
from tests.winsim.registry import Registry

BOUNDED = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(BOUNDED, max_examples=30)

HOST_PORT_FORM = (
    "host:port (a host name, an IPv4 address or a bracketed IPv6 address such as [fd00::1], "
    "then a port 1-65535), e.g. proxy.corp.example:8080"
)
BYPASS_FORM = (
    "a host name, address or wildcard pattern such as *.corp.example, 10.*, <local> or <-loopback>, "
    "without spaces, quotes, ';', control or non-ASCII characters"
)
URL_FORM = "an http:// or https:// URL such as http://proxy.corp.example/proxy.pac"


# ------------------------------------------------------------------------------------------ strategies

LABEL = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?", fullmatch=True)
# All-digit names are read as (possibly bad) IPv4 addresses, as Windows reads them.
HOST_NAME = (
    st.lists(LABEL, min_size=1, max_size=4)
    .map(".".join)
    .filter(lambda host: len(host) <= 253 and not host.replace(".", "").isdigit())
)
IPV4 = st.ip_addresses(v=4).map(str)
IPV6 = st.ip_addresses(v=6).map(lambda address: f"[{address}]")
HOST = st.one_of(HOST_NAME, IPV4, IPV6)
HOST_PORT = st.builds(lambda host, port: f"{host}:{port}", HOST, st.integers(1, 65535))
PROXY_DICT = st.dictionaries(st.sampled_from(["http", "https", "ftp", "socks"]), HOST_PORT, min_size=1)
# Allowed in a bypass entry: every printable ASCII character but space, quotes and ';' - which keeps
# PowerShell's $ ( ) ` & | { } < > @ in play: they must reach the registry as plain data.
BYPASS_ENTRY = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="\"';"), min_size=1, max_size=300
)
BYPASS = st.lists(BYPASS_ENTRY, max_size=12)
URL_PATH = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="\"'<>\\^`{|}"), max_size=80
)
URL = st.builds(
    lambda scheme, host, port, path: f"{scheme}://{host}{port}/{path}",
    st.sampled_from(["http", "https", "HTTP"]),
    HOST,
    st.one_of(st.just(""), st.integers(1, 65535).map(lambda port: f":{port}")),
    URL_PATH,
)
PROXY_URL = st.builds(
    lambda scheme, host_port, slash: f"{scheme}://{host_port}{slash}",
    st.sampled_from(["http", "https"]),
    HOST_PORT,
    st.sampled_from(["", "/"]),
)
GUID = st.builds(
    lambda value, form: form.format(value, value.upper()),
    st.uuids().map(str),
    st.sampled_from(["{0}", "{{{1}}}", "{1}"]),
)

# What users paste by mistake or attackers on purpose: shell metacharacters and fragments, control
# characters, non-ASCII (accented, CJK, right-to-left override, emoji).
HOSTILE = st.sampled_from(
    [
        " ", "\t", "\n", "\r\n", "\x00", "\x07", "\x7f", '"', "'", "`", "$", "$(Get-Process)", "`n",
        "'; exit 1; '", '"; Remove-Item C:\\ -Recurse; "', "&", "|", ";", "<", ">", "{", "}", "@(", "\\",
        "é", "中文", "\u202e", "\U0001f600", "ß",
    ]
)  # fmt: skip
# Characters a host:port never holds, so inserting one always makes it invalid.
HOSTILE_FOR_HOST = HOSTILE.filter(lambda text: text not in (";",))


def insert(value: str, fragment: str, where: int) -> str:
    position = where % (len(value) + 1)
    return value[:position] + fragment + value[position:]


def describe(value: str) -> str:
    """How messages quote a value: credentials redacted, escaped, cut at 120 characters."""
    text = "'" + redact_credentials(value).encode("unicode_escape").decode("ascii") + "'"
    return text if len(text) <= 120 else text[:117] + "..."


def invalid_proxy(option: str, value: str) -> str:
    return f"{option}: {describe(value)} is not a valid proxy; expected {HOST_PORT_FORM}"


def invalid_bypass(option: str, index: int, value: str) -> str:
    return f"{option}[{index}]: {describe(value)} is not a valid bypass entry; expected {BYPASS_FORM}"


def invalid_url(option: str, value: str) -> str:
    return f"{option}: {describe(value)} is not a valid URL; expected {URL_FORM}"


# ------------------------------------------------------------------------------------------ helpers

CLEAN_HOST = regfile.parse(InProcessHost.from_fixture("clean-host").registry_text())
DRIFTING_HOST = regfile.parse(InProcessHost.from_fixture("win11-mde-half").registry_text())


def fresh_host(sections: list[regfile.Section] = CLEAN_HOST) -> InProcessHost:
    return InProcessHost(Registry.from_sections(sections))


def run(host: InProcessHost, module: str, args: dict[str, t.Any], **kwargs: t.Any) -> ActionRun:
    """Run one task; whatever the input, every command it sent is the constant bootstrap, byte for byte."""
    done = host.run(module, args, **kwargs)
    assert all(line == BOOTSTRAP_COMMAND_LINE for line in done.command_lines)
    return done


def assert_rejected(module: str, args: dict[str, t.Any], message: str) -> None:
    """The task fails with exactly ``message``, sends no host command and changes nothing.

    Whatever looks like ``user:password@`` in a quoted value is redacted in every message.
    """
    host = fresh_host()
    before = host.registry_text()
    done = run(host, module, args)
    assert done.error == redact_credentials(message)
    assert done.command_lines == []
    assert host.registry_text() == before


def assert_round_trip(module: str, args: dict[str, t.Any], sections: list[regfile.Section] = CLEAN_HOST) -> ActionRun:
    """Apply ``args``; then a host rebuilt from the saved .reg file reports no drift in one command."""
    host = fresh_host(sections)
    done = run(host, module, args)
    assert done.error is None, done.error
    assert done.result is not None and not done.result.get("failed"), done.result
    assert done.result["host_commands"] == (2 if done.result["changed"] else 1)
    reloaded = InProcessHost(Registry.from_sections(regfile.parse(host.registry_text())))
    again = run(reloaded, module, args, check_mode=True)
    assert again.result is not None and not again.result.get("failed"), again.result
    assert (again.result["changed"], again.result["drift"], again.result["host_commands"]) == (False, [], 1)
    assert after_state(again.result) == after_state(done.result)
    return done


def after_state(result: dict[str, t.Any]) -> t.Any:
    """What a run says the host holds afterwards: ``after``, or every surface's for proxy_baseline."""
    if "surfaces" in result:
        return {name: surface["after"] for name, surface in result["surfaces"].items()}
    return result["after"]


# ------------------------------------------------------------------------------------------ regressions


@pytest.mark.parametrize(
    "value", ["proxy.corp.example:8080\n", "proxy\n.corp.example:8080", "proxy.corp.example:80\n80"]
)
def test_a_newline_before_the_end_is_not_a_valid_proxy(value: str) -> None:
    # `$` in a regular expression also matches before a trailing newline; the checks must not.
    assert_rejected("winhttp_proxy", {"proxy": value}, invalid_proxy("proxy", value))


@pytest.mark.parametrize("value", ["²", "\u0661", "2\n"])
def test_download_mode_digits_are_ascii_digits(value: str) -> None:
    accepted = "http_only (0), lan (1), group (2), internet (3), simple (99), bypass (100)"
    assert_rejected(
        "delivery_optimization_policy",
        {"download_mode": value},
        f"download_mode: {value!r} is not a download mode; accepted: {accepted}",
    )


# ------------------------------------------------------------------------------------------ winhttp_proxy


@BOUNDED
@given(proxy=st.one_of(HOST_PORT, PROXY_DICT), bypass=BYPASS)
def test_winhttp_valid_input_round_trips(proxy: str | dict[str, str], bypass: list[str]) -> None:
    done = assert_round_trip("winhttp_proxy", {"proxy": proxy, "bypass": bypass})
    assert done.result is not None
    expected = proxy if isinstance(proxy, str) else ";".join(f"{k}={v}" for k, v in proxy.items())
    for view in ("64", "32"):
        assert done.result["after"][view]["proxy"] == expected
        # Results show an entry that looks like user:password@ redacted (the registry holds it as given).
        assert done.result["after"][view]["bypass"] == redact(bypass)


@BOUNDED
@given(valid=HOST_PORT, fragment=HOSTILE_FOR_HOST, where=st.integers(0, 300))
def test_winhttp_hostile_proxy_is_rejected(valid: str, fragment: str, where: int) -> None:
    value = insert(valid, fragment, where)
    assert_rejected("winhttp_proxy", {"proxy": value}, invalid_proxy("proxy", value))


def _forbidden_in_bypass(text: str) -> bool:
    return any(char in " \t\r\n\"';" or not 0x20 <= ord(char) < 0x7F for char in text)


@BOUNDED
@given(
    entries=st.lists(BYPASS_ENTRY, min_size=1, max_size=4),
    index=st.integers(0, 3),
    fragment=HOSTILE.filter(_forbidden_in_bypass),
    where=st.integers(0, 300),
)
def test_winhttp_hostile_bypass_is_rejected(entries: list[str], index: int, fragment: str, where: int) -> None:
    index %= len(entries)
    entries[index] = insert(entries[index], fragment, where)
    assert_rejected(
        "winhttp_proxy",
        {"proxy": "proxy.corp.example:8080", "bypass": entries},
        invalid_bypass("bypass", index, entries[index]),
    )


def test_winhttp_very_long_host_label_is_rejected() -> None:
    value = "a" * 64 + ".corp.example:8080"
    assert_rejected("winhttp_proxy", {"proxy": value}, invalid_proxy("proxy", value))


# ------------------------------------------------------------------------------------------ wininet_proxy


@FEW
@given(
    proxy=st.one_of(st.none(), HOST_PORT, PROXY_DICT),
    bypass=BYPASS,
    auto_config_url=st.one_of(st.none(), URL),
    auto_detect=st.booleans(),
)
def test_wininet_valid_input_round_trips(
    proxy: str | dict[str, str] | None, bypass: list[str], auto_config_url: str | None, auto_detect: bool
) -> None:
    if proxy is None and auto_config_url is None and not auto_detect:
        auto_detect = True
    args = {"proxy": proxy, "bypass": bypass, "auto_config_url": auto_config_url, "auto_detect": auto_detect}
    done = assert_round_trip("wininet_proxy", args)
    assert done.result is not None
    for view in ("64", "32"):
        after = done.result["after"][view]
        expected = (
            None
            if proxy is None
            else proxy
            if isinstance(proxy, str)
            else ";".join(f"{k}={v}" for k, v in proxy.items())
        )
        assert after["proxy"] == expected
        assert after["bypass"] == redact(bypass)
        assert after["auto_config_url"] == redact(auto_config_url)
        assert after["auto_detect"] is auto_detect


@BOUNDED
@given(
    valid=URL,
    fragment=HOSTILE.filter(lambda text: not text.isascii() or any(c in text for c in " \t\n\x00\x07\x7f\"'`<>{}|\\")),
    where=st.integers(0, 300),
)
def test_wininet_hostile_auto_config_url_is_rejected(valid: str, fragment: str, where: int) -> None:
    value = insert(valid, fragment, where)
    assert_rejected("wininet_proxy", {"auto_config_url": value}, invalid_url("auto_config_url", value))


@BOUNDED
@given(valid=HOST_PORT, fragment=HOSTILE_FOR_HOST, where=st.integers(0, 300))
def test_wininet_hostile_proxy_is_rejected(valid: str, fragment: str, where: int) -> None:
    value = insert(valid, fragment, where)
    assert_rejected("wininet_proxy", {"proxy": value}, invalid_proxy("proxy", value))


# ------------------------------------------------------------------------------------------ telemetry_proxy


@BOUNDED
@given(proxy=HOST_PORT, prefer_static=st.one_of(st.none(), st.booleans()))
def test_telemetry_valid_input_round_trips(proxy: str, prefer_static: bool | None) -> None:
    args = {"proxy": proxy, "prefer_static_proxy_for_http_request": prefer_static}
    done = assert_round_trip("telemetry_proxy", args, DRIFTING_HOST)
    assert done.result is not None
    assert done.result["after"]["proxy"] == proxy
    if prefer_static is not None:
        assert done.result["after"]["prefer_static_proxy_for_http_request"] is prefer_static


@BOUNDED
@given(valid=HOST_PORT, fragment=HOSTILE_FOR_HOST, where=st.integers(0, 300))
def test_telemetry_hostile_proxy_is_rejected(valid: str, fragment: str, where: int) -> None:
    value = insert(valid, fragment, where)
    assert_rejected("telemetry_proxy", {"proxy": value}, invalid_proxy("proxy", value))


# ------------------------------------------------------------------------------------------ defender_proxy


@BOUNDED
@given(
    proxy_server=st.one_of(st.none(), PROXY_URL),
    pac_url=st.one_of(st.none(), URL),
    bypass=st.one_of(st.none(), BYPASS),
    ssl_options=st.one_of(st.none(), st.integers(0, 3)),
)
def test_defender_valid_input_round_trips(
    proxy_server: str | None, pac_url: str | None, bypass: list[str] | None, ssl_options: int | None
) -> None:
    if proxy_server is None and pac_url is None and bypass is None and ssl_options is None:
        ssl_options = 3
    args = {"proxy_server": proxy_server, "pac_url": pac_url, "bypass": bypass, "ssl_options": ssl_options}
    done = assert_round_trip("defender_proxy", args)
    assert done.result is not None
    after = done.result["after"]
    for setting, value in args.items():
        if value is not None and value != []:
            assert after[setting] == redact(value), setting


@BOUNDED
@given(
    valid=PROXY_URL,
    fragment=HOSTILE.filter(lambda text: not text.isascii() or any(c in text for c in " \t\n\x00\x07\x7f\"'`<>{}|\\")),
    where=st.integers(0, 300),
)
def test_defender_hostile_proxy_server_is_rejected(valid: str, fragment: str, where: int) -> None:
    value = insert(valid, fragment, where)
    assert_rejected(
        "defender_proxy",
        {"proxy_server": value},
        f"proxy_server: {describe(value)} is not a valid proxy URL; expected http:// or https:// followed by "
        "host:port, e.g. http://proxy.corp.example:8080",
    )


# ------------------------------------------------------------------------------------- delivery_optimization_policy

DOWNLOAD_MODES = {"http_only": 0, "lan": 1, "group": 2, "internet": 3, "simple": 99, "bypass": 100}


@BOUNDED
@given(
    download_mode=st.sampled_from([*DOWNLOAD_MODES, *DOWNLOAD_MODES.values(), *map(str, DOWNLOAD_MODES.values())]),
    group_id=st.one_of(st.none(), GUID),
    cache_hosts=st.one_of(st.none(), st.lists(st.one_of(HOST_NAME, IPV4), max_size=5)),
    vpn=st.one_of(st.none(), st.booleans()),
)
def test_delivery_optimization_valid_input_round_trips(
    download_mode: str | int, group_id: str | None, cache_hosts: list[str] | None, vpn: bool | None
) -> None:
    args = {
        "download_mode": download_mode,
        "group_id": group_id,
        "cache_hosts": cache_hosts,
        "disallow_cache_server_downloads_on_vpn": vpn,
    }
    done = assert_round_trip("delivery_optimization_policy", args)
    assert done.result is not None
    after = done.result["after"]
    mode = {str(number): name for name, number in DOWNLOAD_MODES.items()}.get(str(download_mode), download_mode)
    assert after["download_mode"] == mode
    if group_id is not None:
        assert after["group_id"] == str(uuid.UUID(group_id.strip("{}")))
    if cache_hosts:
        assert after["cache_hosts"] == cache_hosts


@BOUNDED
@given(
    valid=st.uuids().map(str),
    fragment=HOSTILE.filter(lambda text: text.strip() not in ("", "{", "}")),
    where=st.integers(0, 40),
)
def test_delivery_optimization_hostile_group_id_is_rejected(valid: str, fragment: str, where: int) -> None:
    value = insert(valid, fragment, where)
    assert_rejected(
        "delivery_optimization_policy",
        {"group_id": value},
        f"group_id: {value!r} is not a GUID; expected the form 01234567-89ab-cdef-0123-456789abcdef",
    )


@BOUNDED
@given(valid=HOST_NAME, fragment=HOSTILE_FOR_HOST, where=st.integers(0, 300))
def test_delivery_optimization_hostile_cache_host_is_rejected(valid: str, fragment: str, where: int) -> None:
    value = insert(valid, fragment, where)
    assert_rejected(
        "delivery_optimization_policy",
        {"cache_hosts": ["cache.corp.example", value]},
        f"cache_hosts[1]: {value!r} is not a host name or IP address; Connected Cache hosts are "
        "given as FQDN or IP, without scheme or port",
    )


@BOUNDED
@given(
    value=st.one_of(st.text(max_size=40), st.integers()).filter(
        lambda value: str(value) not in {*DOWNLOAD_MODES, *map(str, DOWNLOAD_MODES.values())}
    )
)
def test_delivery_optimization_hostile_download_mode_is_rejected(value: str | int) -> None:
    accepted = "http_only (0), lan (1), group (2), internet (3), simple (99), bypass (100)"
    assert_rejected(
        "delivery_optimization_policy",
        {"download_mode": value},
        f"download_mode: {value!r} is not a download mode; accepted: {accepted}",
    )


# ------------------------------------------------------------------------------------------ proxy_baseline


@FEW
@given(
    winhttp=st.one_of(st.none(), st.builds(lambda p, b: {"proxy": p, "bypass": b}, HOST_PORT, BYPASS)),
    telemetry=st.one_of(st.none(), st.builds(lambda p: {"proxy": p}, HOST_PORT)),
    defender=st.one_of(st.none(), st.builds(lambda p, b: {"proxy_server": p, "bypass": b}, PROXY_URL, BYPASS)),
    delivery_optimization=st.one_of(
        st.none(),
        st.builds(
            lambda m, h: {"download_mode": m, "cache_hosts": h},
            st.sampled_from(list(DOWNLOAD_MODES)),
            st.lists(HOST_NAME, max_size=3),
        ),
    ),
)
def test_baseline_valid_input_round_trips(
    winhttp: dict[str, t.Any] | None,
    telemetry: dict[str, t.Any] | None,
    defender: dict[str, t.Any] | None,
    delivery_optimization: dict[str, t.Any] | None,
) -> None:
    args = {
        "winhttp": winhttp,
        "telemetry": telemetry,
        "defender": defender,
        "delivery_optimization": delivery_optimization,
    }
    if not any(args.values()):
        args["telemetry"] = {"proxy": "proxy.corp.example:8080"}
    assert_round_trip("proxy_baseline", args, DRIFTING_HOST)


@BOUNDED
@given(
    surface=st.sampled_from(["winhttp", "wininet", "telemetry"]),
    valid=HOST_PORT,
    fragment=HOSTILE_FOR_HOST,
    where=st.integers(0, 300),
)
def test_baseline_hostile_proxy_names_the_surface(surface: str, valid: str, fragment: str, where: int) -> None:
    value = insert(valid, fragment, where)
    assert_rejected("proxy_baseline", {surface: {"proxy": value}}, f"{surface}." + invalid_proxy("proxy", value))


# ------------------------------------------------------------------------------------------ proxy_facts


@FEW
@given(profile=st.text(max_size=30).filter(lambda text: text not in ("standard", "offline")))
def test_facts_hostile_profile_is_rejected_by_the_spec(profile: str) -> None:
    host = fresh_host()
    done = run(host, "proxy_facts", {"profile": profile})
    # ansible-core 2.19+ strips the message's trailing whitespace, 2.16 does not.
    assert done.error is not None
    expected = redact_credentials(f"value of profile must be one of: standard, offline, got: {profile}")
    assert done.error.strip() == expected.strip()
    assert done.command_lines == []


@pytest.mark.parametrize("profile", ["standard", "offline"])
def test_facts_read_in_one_command(profile: str) -> None:
    done = run(fresh_host(), "proxy_facts", {"profile": profile})
    assert done.result is not None and done.result["host_commands"] == 1


# ------------------------------------------------------------------------------------------ filters


@BOUNDED
@given(proxy=HOST_PORT, bypass=BYPASS, header=st.sampled_from([0x18, 0x28, 0x46]))
def test_winhttp_filters_round_trip(proxy: str, bypass: list[str], header: int) -> None:
    encoded = winhttp_settings_encode({"proxy": proxy, "bypass": bypass, "header": header})
    decoded = winhttp_settings_decode(encoded)
    assert (decoded["proxy"], decoded["bypass"], decoded["header"]) == (proxy, bypass, header)


@BOUNDED
@given(proxy=st.text(min_size=1, max_size=40).filter(lambda text: not text.isascii()))
def test_winhttp_encode_refuses_non_ascii(proxy: str) -> None:
    with pytest.raises(AnsibleFilterError) as info:
        winhttp_settings_encode({"proxy": proxy})
    assert str(info.value.message) == (
        f"winhttp_settings_encode: WinHttpSettings proxy must be ASCII (WinHTTP rejects other characters): {proxy!r}"
    )


@BOUNDED
@given(proxy=HOST_PORT, bypass=BYPASS, url=st.one_of(st.just(""), URL), auto_detect=st.booleans())
def test_connection_settings_filters_round_trip(proxy: str, bypass: list[str], url: str, auto_detect: bool) -> None:
    encoded = connection_settings_encode(
        {"proxy": proxy, "bypass": bypass, "auto_config_url": url, "auto_detect": auto_detect}
    )
    decoded = connection_settings_decode(encoded)
    assert (decoded["proxy"], decoded["bypass"], decoded["auto_config_url"], decoded["auto_detect"]) == (
        proxy,
        bypass,
        url,
        auto_detect,
    )
    assert connection_settings_encode(decoded) == encoded


@BOUNDED
@given(blob=st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_decode_filters_never_crash(blob: bytes | str) -> None:
    # Any input: a decoded dict or an AnsibleFilterError, never another exception.
    for decode in (winhttp_settings_decode, connection_settings_decode):
        with contextlib.suppress(AnsibleFilterError):
            assert isinstance(decode(blob), dict)


# ------------------------------------------------------------------------------------------ issue 17
# Deterministic cases (every one failed before the fix): zone ids on every surface that takes a host,
# sizes, YAML 1.1 coercions, configmgr, service names, credentials, malformed host answers. The counts
# published in docs/robustness.md are computed from these lists (test_published_counts_match).

ZONE_FORM = "a zone id is an interface number such as %12, or a name of letters, digits, '_', '-' or '.'"
# Zone texts Windows never writes: proxy-list separators, PowerShell, control and bidi characters.
HOSTILE_ZONES = [
    "a;https=evil.example:80;x", "a=b", "a,b", "a b", "$(Stop-Computer)", "`n", "a\nb", "a\x00b", "\u202e",
    "é", "", "a%b", "4294967296", "a]:80;https=[x", "x" * 65,
]  # fmt: skip
PROXY_URL_FORM = (
    "is not a valid proxy URL; expected http:// or https:// followed by host:port, e.g. http://proxy.corp.example:8080"
)
CONFIGMGR_PROXY_FORM = (
    "proxy_server must be a host name, FQDN, IPv4 or IPv6 address without scheme or port (the port goes in port), "
    "such as proxy.contoso.com; got "
)


def separates_proxies(zone: str) -> bool:
    """A zone holding ';' or '=' reads as a list of per-scheme proxies where the proxy is one string."""
    return ";" in zone or "=" in zone


# The options whose proxy is one WinHTTP/WinINET proxy string, which may also be written per scheme
# (http=h:p;https=h:p): there a zone holding ';' or '=' is refused by the per-scheme reading, whose
# wording belongs to that form (test_a_zone_holding_a_separator_is_refused_by_the_string_proxies).
STRING_PROXIES = [("winhttp_proxy", "proxy"), ("wininet_proxy", "proxy"), ("proxy_baseline", "winhttp.proxy")]


def _string_proxy_args(module: str, option: str, value: str) -> dict[str, t.Any]:
    return {"winhttp": {"proxy": value}} if module == "proxy_baseline" else {option: value}


def zone_cases() -> list[tuple[str, dict[str, t.Any], str]]:
    """(module, arguments, exact message) for each hostile zone on each surface that takes a host."""
    cases: list[tuple[str, dict[str, t.Any], str]] = []
    for zone in HOSTILE_ZONES:
        proxy, host = f"[fe80::1%{zone}]:8080", f"[fe80::1%{zone}]"
        bad_proxy = f"{invalid_proxy('proxy', proxy)}; {ZONE_FORM}"
        if not separates_proxies(zone):
            cases += [
                (module, _string_proxy_args(module, option, proxy), f"{option.removesuffix('proxy')}{bad_proxy}")
                for module, option in STRING_PROXIES
            ]
        cases += [
            ("wininet_proxy", {"proxy": {"https": proxy}}, f"{invalid_proxy('proxy.https', proxy)}; {ZONE_FORM}"),
            ("telemetry_proxy", {"proxy": proxy}, bad_proxy),
            (
                "defender_proxy",
                {"proxy_server": f"http://{proxy}"},
                f"proxy_server: {describe('http://' + proxy)} {PROXY_URL_FORM}",
            ),
            ("defender_proxy", {"pac_url": f"http://{host}/p.pac"}, invalid_url("pac_url", f"http://{host}/p.pac")),
            (
                "wininet_proxy",
                {"auto_config_url": f"http://{host}/p.pac"},
                invalid_url("auto_config_url", f"http://{host}/p.pac"),
            ),
            (
                "delivery_optimization_policy",
                {"cache_hosts": [f"fe80::1%{zone}"]},
                f"cache_hosts[0]: {f'fe80::1%{zone}'!r} is not a host name or IP address; Connected Cache hosts are "
                "given as FQDN or IP, without scheme or port",
            ),
            (
                "configmgr_proxy",
                {"proxy_server": f"fe80::1%{zone}"},
                CONFIGMGR_PROXY_FORM + describe(f"fe80::1%{zone}"),
            ),
            (
                "proxy_endpoint_check",
                {"via": ["named"], "proxy": proxy},
                f"proxy: {describe(proxy)} is not a valid proxy; expected host:port or http://host:port, e.g. "
                "proxy.corp.example:8080",
            ),
        ]
    return cases


ZONE_CASES = zone_cases()


@pytest.mark.parametrize(("module", "args", "message"), ZONE_CASES)
def test_hostile_zone_id_is_rejected_on_every_surface(module: str, args: dict[str, t.Any], message: str) -> None:
    assert_rejected(module, args, message)


SEPARATOR_ZONE_CASES = [
    (module, option, f"[fe80::1%{zone}]:8080")
    for zone in HOSTILE_ZONES
    if separates_proxies(zone)
    for module, option in STRING_PROXIES
]


@pytest.mark.parametrize(("module", "option", "value"), SEPARATOR_ZONE_CASES)
def test_a_zone_holding_a_separator_is_refused_by_the_string_proxies(module: str, option: str, value: str) -> None:
    # Before: written as given, and read back by the collection as {http: ..., https: evil.example:80}.
    host = fresh_host()
    before = host.registry_text()
    done = run(host, module, _string_proxy_args(module, option, value))
    assert done.error is not None and done.error.startswith(f"{option}: "), done.error
    assert done.command_lines == []
    assert host.registry_text() == before


def test_the_zone_that_became_a_second_proxy_is_rejected() -> None:
    # The issue's own example, exactly, where the proxy is a single host:port.
    value = "[fe80::1%a;https=evil.example:80;x]:8080"
    assert_rejected("telemetry_proxy", {"proxy": value}, f"{invalid_proxy('proxy', value)}; {ZONE_FORM}")


@pytest.mark.parametrize("zone", ["12", "4294967295", "eth0", "Ethernet_2", "if-1.2"])
def test_a_zone_id_as_windows_writes_it_round_trips(zone: str) -> None:
    done = assert_round_trip("winhttp_proxy", {"proxy": f"[fe80::1%{zone}]:8080"})
    assert done.result is not None and done.result["after"]["64"]["proxy"] == f"[fe80::1%{zone}]:8080"


# Sizes: each option's bound, before any host command (docs/robustness.md#sizes).
SIZE_CASES: list[tuple[str, dict[str, t.Any], str]] = [
    ("winhttp_proxy", {"proxy": "p:80", "bypass": ["a" * 1025]},
     "bypass[0]: 1025 characters, more than the 1024 a bypass entry takes"),
    ("winhttp_proxy", {"proxy": "p:80", "bypass": ["a"] * 1001},
     "bypass: 1001 entries, more than the 1000 this option takes"),
    ("wininet_proxy", {"auto_config_url": "http://p/" + "a" * 2075},
     "auto_config_url: 2084 characters, more than the 2083 any option takes"),
    ("defender_proxy", {"pac_url": "http://p/" + "a" * 3000},
     "pac_url: 3009 characters, more than the 2083 any option takes"),
    ("proxy_baseline", {"defender": {"bypass": ["b" * 5000]}},
     "defender.bypass[0]: 5000 characters, more than the 2083 any option takes"),
    ("delivery_optimization_policy", {"cache_hosts": ["c.example"] * 1001},
     "cache_hosts: 1001 entries, more than the 1000 this option takes"),
    ("telemetry_proxy", {"proxy": "a" * 250 + ".example:8080"},
     invalid_proxy("proxy", "a" * 250 + ".example:8080")),
    ("restart_service", {"name": ["s" * 257]},
     "proxyfleet.windows.restart_service: name must list service names (1 to 256 characters without '/', '\\', "
     f"control characters or spaces at either end, no wildcards), got [{describe('s' * 257)}]"),
]  # fmt: skip


@pytest.mark.parametrize(("module", "args", "message"), SIZE_CASES)
def test_sizes_are_bounded_before_any_host_command(module: str, args: dict[str, t.Any], message: str) -> None:
    assert_rejected(module, args, message)


def test_a_request_too_large_for_powershell_is_refused_before_it_is_sent() -> None:
    # 1,000 entries of 1,000 characters pass each option's bound, but the write would carry more than
    # ConvertFrom-Json reads: the read runs, the write is never sent, nothing changes.
    host = fresh_host()
    before = host.registry_text()
    bypass = [f"{index:04d}" + "b" * 996 for index in range(1000)]
    done = run(host, "winhttp_proxy", {"proxy": "proxy.corp.example:8080", "bypass": bypass})
    assert done.error is not None
    assert done.error.startswith("this task would send ")
    assert done.error.endswith(
        "bytes to the host in one command, more than the 1,048,576 this collection sends (Windows PowerShell 5.1's "
        "ConvertFrom-Json reads at most 2,097,152 characters); give fewer or shorter values per task (bypass lists, "
        "surfaces); nothing was sent"
    )
    assert len(done.command_lines) == 1
    assert host.registry_text() == before


QUOTE = (
    "YAML 1.1 reads unquoted yes/no/on/off/true/false as booleans and values such as 1:59 as numbers "
    '(sexagesimal: 1:59 is 119, 010 is 8); quote the value, e.g. "1:59"'
)
COERCION_CASES: list[tuple[str, dict[str, t.Any], str]] = [
    ("winhttp_proxy", {"proxy": True}, f"proxy: got the boolean True where text was expected; {QUOTE}"),
    ("winhttp_proxy", {"proxy": 119}, f"proxy: got the number 119 where text was expected; {QUOTE}"),
    ("wininet_proxy", {"proxy": {"http": False}},
     f"proxy.http: got the boolean False where text was expected; {QUOTE}"),
    ("winhttp_proxy", {"proxy": "p:80", "bypass": ["a", 10]},
     f"bypass[1]: got the number 10 where text was expected; {QUOTE}"),
    ("defender_proxy", {"bypass": [False]}, f"bypass[0]: got the boolean False where text was expected; {QUOTE}"),
    ("proxy_baseline", {"winhttp": {"proxy": "p:80", "bypass": [119]}},
     f"winhttp.bypass[0]: got the number 119 where text was expected; {QUOTE}"),
    ("delivery_optimization_policy", {"download_mode": True},
     f"download_mode: got the boolean True where text was expected; {QUOTE}"),
    ("delivery_optimization_policy", {"cache_hosts": [10]},
     f"cache_hosts[0]: got the number 10 where text was expected; {QUOTE}"),
    ("configmgr_proxy", {"site_code": 119}, f"site_code: got the number 119 where text was expected; {QUOTE}"),
    ("restart_service", {"name": [False]}, f"name[0]: got the boolean False where text was expected; {QUOTE}"),
    ("telemetry_proxy", {"proxy": 1.5}, f"proxy: got the number 1.5 where text was expected; {QUOTE}"),
]  # fmt: skip


@pytest.mark.parametrize(("module", "args", "message"), COERCION_CASES)
def test_yaml_coercions_are_refused_with_a_hint_to_quote(module: str, args: dict[str, t.Any], message: str) -> None:
    assert_rejected(module, args, message)


def test_bypass_everything_and_duplicates_warn() -> None:
    done = run(fresh_host(), "winhttp_proxy", {"proxy": "p.example:80", "bypass": ["*", "a.example", "A.example"]})
    assert done.result is not None and not done.result.get("failed")
    assert done.result["warnings"][:2] == [
        "bypass: the entry '*' bypasses the proxy for every host, so the proxy is never used",
        "bypass: duplicate entries (compared ignoring case): 'A.example'",
    ]
    done = run(fresh_host(), "proxy_baseline", {"defender": {"bypass": ["x", "x"]}}, check_mode=True)
    assert done.result is not None
    assert "defender.bypass: duplicate entries (compared ignoring case): 'x'" in done.result["warnings"]


CONFIGMGR_CASES: list[tuple[dict[str, t.Any], str]] = [
    ({"proxy_server": "p.example", "port": 0}, "port must be 1-65535 (a number: write port: 8080, not yes or true); "
     "got 0"),
    ({"proxy_server": "p.example", "port": True}, "port must be 1-65535 (a number: write port: 8080, not yes or "
     "true); got True"),
    *[
        ({"proxy_server": "p.example", "account": account},
         "account must be an existing ConfigMgr account written DOMAIN\\user (not user@domain), such as "
         f"CONTOSO\\svc-cmproxy; got {describe(account)}")
        for account in ["CONTOSO\\svc\x00", "CONTOSO\\svc\x07x", "CONTOSO\\s\u202evc", "CONTOSO\\" + "s" * 300,
                        "CONTOSO\\svc\x7f"]
    ],
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), CONFIGMGR_CASES)
def test_configmgr_port_and_account_are_refused(args: dict[str, t.Any], message: str) -> None:
    assert_rejected("configmgr_proxy", args, message)


SERVICES = {"MSSQL$SQLEXPRESS": {"status": "Running"}, "Apple Mobile Device Service": {"status": "Stopped"}}


def test_restart_service_takes_real_service_names() -> None:
    host = InProcessHost(Registry.from_sections(CLEAN_HOST), facts={"services": SERVICES})
    done = run(host, "restart_service", {"name": list(SERVICES), "only_if_running": False})
    assert done.result is not None and not done.result.get("failed"), done.result
    assert [(s["name"], s["before"], s["after"], s["restarted"]) for s in done.result["services"]] == [
        ("MSSQL$SQLEXPRESS", "Running", "Running", True),
        ("Apple Mobile Device Service", "Stopped", "Running", True),
    ]


BAD_SERVICE_NAMES = ["Do*", "a?", "a/b", "a\\b", " DoSvc", "DoSvc ", "Do\nSvc", "Do\x00Svc", ""]


@pytest.mark.parametrize("name", BAD_SERVICE_NAMES)
def test_restart_service_refuses_what_the_agent_would(name: str) -> None:
    assert_rejected(
        "restart_service",
        {"name": [name]},
        "proxyfleet.windows.restart_service: name must list service names (1 to 256 characters without '/', '\\', "
        f"control characters or spaces at either end, no wildcards), got [{describe(name)}]",
    )


def test_cache_hosts_take_an_unbracketed_ipv6_address() -> None:
    hosts = ["fd00::10", "fe80::1%12", "cache.corp.example"]
    done = assert_round_trip("delivery_optimization_policy", {"download_mode": "lan", "cache_hosts": hosts})
    assert done.result is not None and done.result["after"]["cache_hosts"] == hosts


def test_credentials_typed_into_a_value_never_reach_the_message() -> None:
    value = "http://svc:S3cret!@proxy.corp.example:8080"
    host = fresh_host()
    done = run(host, "telemetry_proxy", {"proxy": value})
    assert done.error == invalid_proxy("proxy", "http://********@proxy.corp.example:8080") + " without a scheme"
    assert "S3cret" not in done.error


def test_credentials_read_from_a_host_never_reach_results_or_diffs() -> None:
    host = fresh_host()
    policy = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
    host.sim.registry.set_value("HKLM", policy, "TelemetryProxyServer", regfile.Value.string("svc:S3cret@old:8080"))
    done = run(host, "telemetry_proxy", {"proxy": "proxy.corp.example:8080"}, check_mode=True, diff=True)
    assert done.result is not None
    assert "S3cret" not in repr(done.result)
    assert done.result["before"]["proxy"] == "********@old:8080"
    assert "diff" in done.result
    assert {
        "setting": "telemetry.proxy",
        "current": "********@old:8080",
        "desired": "proxy.corp.example:8080",
        "owner": "local",
    } in done.result["drift"]


# Malformed answers: a host that answers with a given shape instead of the agent's answer.
Shape = str | dict[str, t.Any]


class HostileHost(InProcessHost):
    """A simulated host whose answer takes the given shape.

    ``shape`` is the whole stdout (text), ``{"results": [...]}`` (the results list replaced) or
    ``{"first": {...}}`` (the first operation's result replaced, the others as the agent answers) or
    ``{"index": i, "result": {...}}`` (the result at ``i`` replaced).
    """

    def __init__(self, shape: Shape) -> None:
        super().__init__(Registry.from_sections(CLEAN_HOST), name="web01")
        self.shape = shape

    def execute(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True, **_: t.Any) -> dict[str, t.Any]:
        done = super().execute(cmd, in_data, sudoable)
        if isinstance(self.shape, str):
            return {**done, "stdout": self.shape}
        response = json.loads(done["stdout"])
        if "results" in self.shape:
            response["results"] = self.shape["results"]
        elif "first" in self.shape:
            response["results"][0] = self.shape["first"]
        else:
            response["results"][self.shape["index"]] = self.shape["result"]
        return {**done, "stdout": json.dumps(response)}


def answer(*results: t.Any) -> dict[str, t.Any]:
    return {"results": list(results)}


def read_key(**fields: t.Any) -> dict[str, t.Any]:
    key = {"hive": "HKLM", "path": "SOFTWARE\\X", "view": 64, "exists": True, "values": [], "subkeys": []}
    return {"first": {"op": "read", "status": "ok", "keys": [{**key, **fields}]}}


def value(kind: str, data: t.Any) -> dict[str, t.Any]:
    return {"name": "V", "type": kind, "data": data}


MALFORMED = "web01: the host agent's answer is malformed at "
MALFORMED_CASES: list[tuple[Shape, str]] = [
    (answer(7, 7, 7, 7), "results[0]: expected an object"),
    (answer(), "results: 0 results for 4 operations"),
    ({"first": {"op": "apply", "status": "ok"}}, "results[0].op: expected 'read'"),
    ({"first": {"op": "read", "status": None}}, "results[0].status: expected text"),
    ({"first": {"op": "read", "status": "ok", "keys": None}}, "results[0].keys: expected a list"),
    (read_key(view="x"), "results[0].keys[0].view: expected 64 or 32"),
    (read_key(view=True), "results[0].keys[0].view: expected 64 or 32"),
    (read_key(hive="HKXX"), "results[0].keys[0].hive: expected one of HKLM, HKCU, HKU, HKCR"),
    (read_key(path=7), "results[0].keys[0].path: expected a key path"),
    (read_key(path="A\\\\B"), "results[0].keys[0].path: expected names of 1-255 characters"),
    (read_key(exists="yes"), "results[0].keys[0].exists: expected true or false"),
    (read_key(values=None), "results[0].keys[0].values: expected a list"),
    (read_key(subkeys=["x" * 256]), "results[0].keys[0].subkeys[0]: expected a key name"),
    (read_key(values=[value("dword", "abc")]),
     "results[0].keys[0].values[0].data: expected an integer 0..4294967295 for a dword value"),
    (read_key(values=[value("dword", 0xFFFFFFFF + 1)]),
     "results[0].keys[0].values[0].data: expected an integer 0..4294967295 for a dword value"),
    (read_key(values=[value("binary", "!!")]),
     "results[0].keys[0].values[0].data: expected base64 for a binary value"),
    (read_key(values=[value("string", None)]),
     "results[0].keys[0].values[0].data: expected text for a string value"),
    (read_key(values=[value("multistring", [1])]),
     "results[0].keys[0].values[0].data: expected a list of text"),
    (read_key(values=[value("link", "x")]),
     "results[0].keys[0].values[0].type: expected one of string, expandstring, multistring, dword, qword, binary, "
     "none"),
    (read_key(values=[{"type": "string", "data": "x"}]),
     "results[0].keys[0].values[0].name: expected a value name"),
    (read_key(values=[value("string", "x" * 1_048_577)]),
     "answer.results[0].keys[0].values[0].data: 1,048,577 characters, more than 1,048,576"),
    (read_key(subkeys=["k"] * 100_001), "answer.results[0].keys[0].subkeys: 100,001 items, more than 100,000"),
    ("[" * 5000 + "]" * 5000, "stdout: nested more than 32 levels deep"),
    ("{}" + " " * 8_388_608, "stdout: 8,388,610 characters, more than the 8,388,608 accepted"),
]  # fmt: skip


@pytest.mark.parametrize(("stdout", "field"), MALFORMED_CASES)
def test_a_malformed_answer_is_a_protocol_error_naming_host_and_field(stdout: Shape, field: str) -> None:
    host = HostileHost(stdout)
    done = run(host, "winhttp_proxy", {"proxy": "proxy.corp.example:8080"}, check_mode=True)
    assert done.result is not None, done.error
    assert done.result["failed"] is True
    assert done.result["msg"] == MALFORMED + field
    assert done.result["host_commands"] == 1


def test_a_malformed_service_answer_says_so_without_python_text() -> None:
    host = HostileHost({"first": {"op": "service", "status": "ok", "name": "DoSvc"}})
    done = run(host, "restart_service", {"name": ["DoSvc"]})
    assert done.result is not None
    assert done.result["msg"] == (
        MALFORMED + "results[0].before: expected text; the command may have written to the host before it answered: "
        "run the task again to converge, or put the host back with proxyfleet.windows.proxy_restore"
    )
    # In check mode the service is only queried: nothing can have changed, and the message does not say so.
    done = run(host, "restart_service", {"name": ["DoSvc"]}, check_mode=True)
    assert done.result is not None
    assert done.result["msg"] == MALFORMED + "results[0].before: expected text"


GPO_ANSWER_CASES: list[tuple[dict[str, t.Any], str]] = [
    ({"op": "wmi_query", "status": "ok"}, "results[1].instances: expected a list"),
    ({"op": "wmi_query", "status": "ok", "instances": None}, "results[1].instances: expected a list"),
    ({"op": "wmi_query", "status": "ok", "instances": [7]}, "results[1].instances[0]: expected an object"),
    ({"op": "wmi_query", "status": "done", "instances": []}, "results[1].status: expected ok or error"),
]


@pytest.mark.parametrize(("result", "field"), GPO_ANSWER_CASES)
def test_a_malformed_group_policy_answer_names_its_field(result: dict[str, t.Any], field: str) -> None:
    # The Group Policy (RSoP) query rides along with every check: its answer is checked too.
    done = run(HostileHost({"index": 1, "result": result}), "winhttp_proxy", {"proxy": "p.example:80"}, check_mode=True)
    assert done.result is not None
    assert done.result["msg"] == MALFORMED + field


def test_a_backup_count_of_0xffffffff_is_reported_not_built() -> None:
    host = fresh_host()
    assert run(host, "telemetry_proxy", {"proxy": "proxy.corp.example:8080"}).result is not None
    [backup_id] = host.sim.registry.subkey_names("HKLM", r"SOFTWARE\proxyfleet\Backups")
    head = rf"SOFTWARE\proxyfleet\Backups\{backup_id}"
    records = len(host.sim.registry.subkey_names("HKLM", head))
    host.sim.registry.set_value("HKLM", head, "Count", regfile.Value.dword(0xFFFFFFFF))
    done = run(host, "proxy_restore", {"list_only": True})
    assert done.result is not None and not done.result.get("failed"), done.result
    [listed] = done.result["backups"]
    names = ", ".join(str(index) for index in range(min(records, 10))) + (", ..." if records > 10 else "")
    assert (listed["restorable"], listed["problem"]) == (
        False,
        f"its Count says 4294967295 change records but it holds {records} ({names})",
    )
    done = run(host, "proxy_restore", {})
    assert done.result is not None and done.result["failed"] is True
    assert done.result["msg"] == (
        f"backup {backup_id} cannot be restored exactly: its Count says 4294967295 change records but it holds "
        f"{records} ({names}); nothing was written"
    )


def sms_read(*instances: t.Any) -> dict[str, t.Any]:
    return {"op": "sms_sysresuse_read", "status": "ok", "site_code": "PS1", "server": "cm01", "instances": [*instances]}


SMS_ANSWER_CASES: list[tuple[dict[str, t.Any], str]] = [
    (sms_read(7), "results[0].instances[0].role: expected text"),
    (sms_read({"role": "SMS Site System", "props": None}), "results[0].instances[0].props: expected a list"),
    (
        sms_read({"role": "SMS Site System", "props": [{"name": "ProxyServerPort", "value": "80"}]}),
        "results[0].instances[0].props[0].value: expected an integer 0..4294967295 or null",
    ),
    (
        sms_read({"role": "SMS Site System", "props": [{"name": "ProxyName", "value2": ["x"]}]}),
        "results[0].instances[0].props[0].value2: expected text or null",
    ),
]


@pytest.mark.parametrize(("result", "field"), SMS_ANSWER_CASES)
def test_a_malformed_site_control_answer_names_its_field(result: dict[str, t.Any], field: str) -> None:
    done = run(HostileHost({"first": result}), "configmgr_proxy", {"proxy_server": "proxy.contoso.com"})
    assert done.result is not None
    assert done.result["msg"] == MALFORMED + field


def test_an_answer_the_checks_let_through_but_the_plugin_cannot_use_shows_no_python_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The frame's last line of defence: a KeyError (or TypeError, ...) after a host answered is the
    # protocol error, naming the host, never Python's text ("'NoneType' object has no attribute 'get'").
    from ansible_collections.proxyfleet.windows.plugins.action import restart_service

    def unusable(*_args: t.Any) -> dict[str, t.Any]:
        raise KeyError("before")

    monkeypatch.setattr(restart_service, "_service", unusable)
    host = InProcessHost(Registry.from_sections(CLEAN_HOST), name="web01")
    done = run(host, "restart_service", {"name": ["DoSvc"]})
    assert done.result is not None
    assert done.result["msg"] == (
        "web01: the host agent's answer does not have the shape this collection expects (a field is missing or of "
        "the wrong type); if the task was writing, the host may hold the change: run the task again to converge, "
        "or restore with proxyfleet.windows.proxy_restore"
    )
    assert done.result["host_commands"] == 1


# ------------------------------------------------------------------------------------------ published counts


def property_tests() -> list[t.Any]:
    return [test for test in globals().values() if callable(test) and is_hypothesis_test(test)]


PUBLISHED_COUNTS = {
    "IPv6 zone ids (15 hostile zones on 11 options)": len(ZONE_CASES) + len(SEPARATOR_ZONE_CASES),
    "sizes (each option's bound, and a request too large for PowerShell)": len(SIZE_CASES) + 1,
    "YAML 1.1 coercions": len(COERCION_CASES),
    "configmgr_proxy port and account": len(CONFIGMGR_CASES),
    "service names the agent would refuse": len(BAD_SERVICE_NAMES),
    "malformed host answers": len(MALFORMED_CASES) + 1 + len(GPO_ANSWER_CASES) + len(SMS_ANSWER_CASES),
    "property tests (hypothesis)": len(property_tests()),
    "property examples at most": sum(test._hypothesis_internal_use_settings.max_examples for test in property_tests()),
}


def test_published_counts_match() -> None:
    # docs/robustness.md publishes these figures; this test is where they come from.
    text = (REPO_ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    for label, count in PUBLISHED_COUNTS.items():
        assert f"| {label} | {count:,} |" in text, (label, count)
