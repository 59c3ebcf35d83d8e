"""The WinINET connection settings codec against the published examples and round-trip properties."""

from __future__ import annotations

import contextlib
import dataclasses
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _connection_settings as codec

PAC_URL = "http://myproxy.fqdn/proxy.pac"
# binary-formats.md, "per-machine PAC only", byte for byte.
PAC_ONLY = bytes.fromhex("46000000 04000000 05000000 00000000 00000000 1D000000") + PAC_URL.encode("ascii") + bytes(32)
# binary-formats.md, "auto-detect only": flags 09, no strings, the usual padding.
AUTO_DETECT_ONLY = bytes.fromhex("46000000 02000000 09000000 00000000 00000000 00000000") + bytes(32)


def _blob(version: int, counter: int, flags: int, *strings: bytes, trailing: bytes = b"") -> bytes:
    """Assemble a blob by hand, independently of the encoder under test."""
    body = b"".join(struct.pack("<I", len(text)) + text for text in strings)
    return struct.pack("<III", version, counter, flags) + body + trailing


def test_decodes_the_published_pac_only_example() -> None:
    decoded = codec.decode(PAC_ONLY)
    assert decoded == codec.ConnectionSettings(0x46, 4, 0x05, "", "", PAC_URL, bytes(32))
    assert (decoded.manual_proxy, decoded.auto_config, decoded.auto_detect) == (False, True, False)
    assert decoded.bypass_list == []


def test_encodes_the_published_pac_only_example() -> None:
    assert codec.encode(codec.ConnectionSettings(0x46, 4, 0x05, "", "", PAC_URL, bytes(32))) == PAC_ONLY


def test_build_without_previous_gives_the_pac_only_layout() -> None:
    built = codec.build(None, proxy="", bypass="", auto_config_url=PAC_URL, auto_detect=False)
    assert built == codec.ConnectionSettings(codec.VERSION_CURRENT, 1, 0x05, "", "", PAC_URL, bytes(32))
    # Only the counter differs from the published export.
    assert codec.encode(built) == PAC_ONLY[:4] + struct.pack("<I", 1) + PAC_ONLY[8:]


def test_auto_detect_only_example() -> None:
    decoded = codec.decode(AUTO_DETECT_ONLY)
    assert (decoded.flags, decoded.auto_detect, decoded.manual_proxy, decoded.auto_config) == (9, True, False, False)
    assert (decoded.proxy, decoded.bypass, decoded.auto_config_url) == ("", "", "")
    assert codec.encode(decoded) == AUTO_DETECT_ONLY
    previous = codec.decode(AUTO_DETECT_ONLY[:4] + struct.pack("<I", 1) + AUTO_DETECT_ONLY[8:])
    rebuilt = codec.build(previous, proxy="", bypass="", auto_config_url="", auto_detect=True)
    assert codec.encode(rebuilt) == AUTO_DETECT_ONLY


def test_older_ie_version_with_28_bytes_of_padding() -> None:
    blob = _blob(0x3C, 7, 0x03, b"proxy.corp.example:8080", b"<local>", b"", trailing=bytes(28))
    decoded = codec.decode(blob)
    assert decoded == codec.ConnectionSettings(
        codec.VERSION_IE, 7, 0x03, "proxy.corp.example:8080", "<local>", "", bytes(28)
    )
    assert codec.encode(decoded) == blob
    rebuilt = codec.build(decoded, proxy="p:1", bypass="", auto_config_url="", auto_detect=False)
    assert codec.encode(rebuilt) == _blob(0x3C, 8, 0x03, b"p:1", b"", b"", trailing=bytes(28))


def test_windows_padding_per_version() -> None:
    assert codec.windows_padding(codec.VERSION_CURRENT) == bytes(32)
    assert codec.windows_padding(codec.VERSION_IE) == bytes(28)


def test_unknown_trailing_bytes_survive_build_and_encode() -> None:
    trailing = bytes.fromhex("01000000 0a000000 c0a80101") + b"\xfe\xed" + bytes(20)
    previous = codec.decode(_blob(0x46, 41, 0x01, b"", b"", b"", trailing=trailing))
    assert previous.trailing == trailing
    rebuilt = codec.build(previous, proxy="proxy:3128", bypass="<local>;*.corp", auto_config_url="", auto_detect=False)
    assert codec.encode(rebuilt) == _blob(0x46, 42, 0x03, b"proxy:3128", b"<local>;*.corp", b"", trailing=trailing)


def test_build_increments_the_counter_and_wraps() -> None:
    previous = codec.ConnectionSettings(counter=4)
    assert codec.build(previous, proxy="", bypass="", auto_config_url="", auto_detect=False).counter == 5
    last = codec.ConnectionSettings(counter=0xFFFFFFFF)
    assert codec.build(last, proxy="", bypass="", auto_config_url="", auto_detect=False).counter == 0


def test_build_sets_one_flag_per_setting_and_always_direct() -> None:
    built = codec.build(None, proxy="p:1", bypass="", auto_config_url="http://w/p.pac", auto_detect=True)
    assert built.flags == 0x0F
    assert codec.build(None, proxy="", bypass="x", auto_config_url="", auto_detect=False).flags == 0x01
    # Unknown flag bits of the previous blob describe the old state, not the new one.
    previous = codec.ConnectionSettings(flags=0x13)
    assert codec.build(previous, proxy="", bypass="", auto_config_url="", auto_detect=True).flags == 0x09


@pytest.mark.parametrize(("flags_in", "flags_out"), [(0x02, 0x03), (0x00, 0x01), (0x0E, 0x0F), (0x10, 0x11)])
def test_encode_always_sets_direct(flags_in: int, flags_out: int) -> None:
    blob = codec.encode(codec.ConnectionSettings(flags=flags_in, proxy="p:1"))
    assert blob[8:12] == struct.pack("<I", flags_out)


def test_bypass_longer_than_255_bytes_round_trips() -> None:
    bypass = ";".join(f"host{index}.corp.example" for index in range(40))
    assert len(bypass) > 255
    blob = codec.encode(codec.ConnectionSettings(flags=0x03, proxy="p:8080", bypass=bypass))
    # The bypass length sits after the header (12), the proxy length (4) and "p:8080" (6).
    assert blob[22:26] == struct.pack("<I", len(bypass))
    back = codec.decode(blob)
    assert back.bypass == bypass
    assert len(back.bypass_list) == 40


@pytest.mark.parametrize(
    ("blob", "expected"),
    [
        (bytes.fromhex("460000000100000001000000"), codec.ConnectionSettings(0x46, 1, 1)),
        (
            _blob(0x46, 1, 3, b"p:1"),
            codec.ConnectionSettings(0x46, 1, 3, "p:1"),
        ),
        (
            _blob(0x46, 1, 3, b"p:1", b"<local>"),
            codec.ConnectionSettings(0x46, 1, 3, "p:1", "<local>"),
        ),
    ],
    ids=["after-flags", "after-proxy", "after-bypass"],
)
def test_strings_missing_at_a_field_boundary_read_as_empty(blob: bytes, expected: codec.ConnectionSettings) -> None:
    assert codec.decode(blob) == expected


def test_any_version_is_accepted() -> None:
    assert codec.decode(_blob(0x1234, 0, 1, b"", b"", b"")).version == 0x1234


def test_strings_decode_as_latin_1() -> None:
    assert codec.decode(_blob(0x46, 0, 3, b"pr\xf6xy:1", b"", b"")).proxy == "pr\u00f6xy:1"


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (
            bytes.fromhex("4600"),
            "DefaultConnectionSettings blob is truncated: version at offset 0 needs 4 bytes, 2 remain",
        ),
        (
            bytes.fromhex("46000000040000"),
            "DefaultConnectionSettings blob is truncated: counter at offset 4 needs 4 bytes, 3 remain",
        ),
        (
            bytes.fromhex("4600000004000000"),
            "DefaultConnectionSettings blob is truncated: flags at offset 8 needs 4 bytes, 0 remain",
        ),
        (
            bytes.fromhex("46000000040000000300000017000000") + b"proxy.corp.exa",
            "DefaultConnectionSettings blob is truncated: "
            "proxy length 23 at offset 12 exceeds the 14 bytes that follow",
        ),
        (
            bytes.fromhex("460000000400000003000000000000000700"),
            "DefaultConnectionSettings blob is truncated: bypass length at offset 16 needs 4 bytes, 2 remain",
        ),
        (
            _blob(0x46, 4, 3, b"p:1") + struct.pack("<I", 300) + b"<local>",
            "DefaultConnectionSettings blob is truncated: "
            "bypass length 300 at offset 19 exceeds the 7 bytes that follow",
        ),
        (
            bytes.fromhex("46000000040000000500000000000000000000001d000000") + b"http://myproxy.fqdn/",
            "DefaultConnectionSettings blob is truncated: "
            "auto-config URL length 29 at offset 20 exceeds the 20 bytes that follow",
        ),
    ],
    ids=["version", "counter", "flags", "proxy", "bypass-length", "bypass", "auto-config-url"],
)
def test_truncated_blobs_are_reported(blob: bytes, message: str) -> None:
    with pytest.raises(codec.ConnectionSettingsError) as info:
        codec.decode(blob)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "proxy",
            "pr\u00f6xy:1",
            "DefaultConnectionSettings proxy must be ASCII (other characters depend on the host's code page): "
            "'pr\u00f6xy:1'",
        ),
        (
            "bypass",
            "*.\u00e9xample",
            "DefaultConnectionSettings bypass must be ASCII (other characters depend on the host's code page): "
            "'*.\u00e9xample'",
        ),
        (
            "auto_config_url",
            "http://\u00e9/p.pac",
            "DefaultConnectionSettings auto-config URL must be ASCII "
            "(other characters depend on the host's code page): 'http://\u00e9/p.pac'",
        ),
        ("version", -1, "DefaultConnectionSettings version -1 is not an integer 0-4294967295"),
        ("counter", 2**32, "DefaultConnectionSettings counter 4294967296 is not an integer 0-4294967295"),
        ("flags", True, "DefaultConnectionSettings flags True is not an integer 0-4294967295"),
    ],
)
def test_encoder_refuses_bad_values_naming_the_field(field: str, value: object, message: str) -> None:
    with pytest.raises(codec.ConnectionSettingsError) as info:
        codec.encode(codec.ConnectionSettings(**{field: value}))  # type: ignore[arg-type]
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            codec.ConnectionSettings(0x46, 1, 0x03, "Proxy.Corp:8080"),
            codec.ConnectionSettings(0x3C, 9, 0x03, "proxy.corp:8080"),
        ),
        (
            codec.ConnectionSettings(flags=3, proxy="p:1", bypass="<local>;*.Corp.example"),
            codec.ConnectionSettings(flags=3, proxy="p:1", bypass="*.corp.EXAMPLE;;<LOCAL>"),
        ),
        (
            codec.ConnectionSettings(flags=5, auto_config_url="HTTP://WPAD.Corp.Example/proxy.pac"),
            codec.ConnectionSettings(flags=5, auto_config_url="http://wpad.corp.example/proxy.pac", trailing=bytes(32)),
        ),
        (codec.ConnectionSettings(flags=0x19), codec.ConnectionSettings(flags=0x08)),
        (
            codec.ConnectionSettings(auto_config_url="http://[::1"),
            codec.ConnectionSettings(auto_config_url="http://[::1"),
        ),
        # Text WinINET keeps but does not use (real_world_blobs entries 10-23, 38) is not a difference.
        (codec.ConnectionSettings(flags=1, proxy="old:1", bypass="a"), codec.ConnectionSettings(flags=1)),
        (
            codec.ConnectionSettings(flags=3, proxy="p:1", auto_config_url="http://old/p.pac"),
            codec.ConnectionSettings(flags=3, proxy="p:1"),
        ),
        (
            codec.ConnectionSettings(flags=0x0F, auto_config_url="http://w/p.pac"),
            codec.ConnectionSettings(flags=0x0D, auto_config_url="http://w/p.pac"),
        ),
        (codec.ConnectionSettings(flags=5, auto_config_url=" "), codec.ConnectionSettings(flags=1)),
    ],
    ids=[
        "proxy-case-version-counter-direct",
        "bypass-case-order",
        "url-scheme-host-case",
        "unknown-bits",
        "bad-url",
        "disabled-proxy-and-bypass",
        "disabled-pac-url",
        "proxy-flag-without-proxy",
        "pac-flag-with-blank-url",
    ],
)
def test_same_meaning(first: codec.ConnectionSettings, second: codec.ConnectionSettings) -> None:
    # Symmetric: both orders give the same answer.
    assert codec.same_meaning(first, second)
    assert codec.same_meaning(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (codec.ConnectionSettings(flags=3, proxy="p:1"), codec.ConnectionSettings(flags=1, proxy="p:1")),
        (codec.ConnectionSettings(flags=9), codec.ConnectionSettings(flags=1)),
        (
            codec.ConnectionSettings(flags=5, auto_config_url="u"),
            codec.ConnectionSettings(flags=1, auto_config_url="u"),
        ),
        (codec.ConnectionSettings(flags=3, proxy="p:1"), codec.ConnectionSettings(flags=3, proxy="p:2")),
        (
            codec.ConnectionSettings(flags=3, proxy="p:1", bypass="a;b"),
            codec.ConnectionSettings(flags=3, proxy="p:1", bypass="a"),
        ),
        (
            codec.ConnectionSettings(flags=5, auto_config_url="http://w/Proxy.pac"),
            codec.ConnectionSettings(flags=5, auto_config_url="http://w/proxy.pac"),
        ),
        (
            codec.ConnectionSettings(flags=5, auto_config_url="http://w/p.pac?A=1"),
            codec.ConnectionSettings(flags=5, auto_config_url="http://w/p.pac?a=1"),
        ),
        (
            codec.ConnectionSettings(flags=5, auto_config_url="http://User@w/p.pac"),
            codec.ConnectionSettings(flags=5, auto_config_url="http://user@w/p.pac"),
        ),
        # 0x02 without DIRECT does not enable the proxy (real_world_blobs entry 45).
        (codec.ConnectionSettings(0x46, 1, 0x03, "p:1"), codec.ConnectionSettings(0x46, 1, 0x02, "p:1")),
    ],
    ids=[
        "manual-proxy",
        "auto-detect",
        "auto-config",
        "proxy",
        "bypass",
        "url-path",
        "url-query",
        "url-userinfo",
        "proxy-flag-without-direct",
    ],
)
def test_different_meaning(first: codec.ConnectionSettings, second: codec.ConnectionSettings) -> None:
    assert not codec.same_meaning(first, second)
    assert not codec.same_meaning(second, first)


_ascii_text = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters=";"), min_size=1, max_size=40
)
_dword = st.integers(0, 0xFFFFFFFF)


@settings(max_examples=200, deadline=None)
@given(
    version=st.one_of(st.sampled_from([codec.VERSION_CURRENT, codec.VERSION_IE]), _dword),
    counter=_dword,
    flags=_dword,
    proxy=st.one_of(st.just(""), _ascii_text),
    bypass=st.lists(_ascii_text, max_size=30),
    auto_config_url=st.one_of(st.just(""), _ascii_text),
    trailing=st.binary(max_size=64),
)
def test_round_trip(
    version: int, counter: int, flags: int, proxy: str, bypass: list[str], auto_config_url: str, trailing: bytes
) -> None:
    original = codec.ConnectionSettings(version, counter, flags, proxy, ";".join(bypass), auto_config_url, trailing)
    blob = codec.encode(original)
    back = codec.decode(blob)
    assert back == dataclasses.replace(original, flags=flags | codec.FLAG_DIRECT)
    assert back.bypass_list == bypass
    assert codec.encode(back) == blob


@settings(max_examples=200, deadline=None)
@given(
    previous=st.one_of(
        st.none(),
        st.builds(
            codec.ConnectionSettings,
            version=_dword,
            counter=_dword,
            flags=_dword,
            proxy=_ascii_text,
            trailing=st.binary(max_size=64),
        ),
    ),
    proxy=st.one_of(st.just(""), _ascii_text),
    bypass=st.lists(_ascii_text, max_size=10),
    auto_config_url=st.one_of(st.just(""), _ascii_text),
    auto_detect=st.booleans(),
)
def test_build_then_decode_means_what_was_asked(
    previous: codec.ConnectionSettings | None, proxy: str, bypass: list[str], auto_config_url: str, auto_detect: bool
) -> None:
    built = codec.build(
        previous, proxy=proxy, bypass=";".join(bypass), auto_config_url=auto_config_url, auto_detect=auto_detect
    )
    back = codec.decode(codec.encode(built))
    assert back == built
    assert (back.manual_proxy, back.auto_config, back.auto_detect) == (bool(proxy), bool(auto_config_url), auto_detect)
    assert back.flags & codec.FLAG_DIRECT
    if previous is None:
        assert (back.version, back.counter, back.trailing) == (codec.VERSION_CURRENT, 1, bytes(32))
    else:
        assert (back.version, back.counter, back.trailing) == (
            previous.version,
            (previous.counter + 1) % 2**32,
            previous.trailing,
        )
    target = codec.ConnectionSettings(
        flags=built.flags, proxy=proxy.upper(), bypass=";".join(reversed(bypass)), auto_config_url=auto_config_url
    )
    assert codec.same_meaning(back, target)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=96))
def test_decoder_never_crashes_on_garbage(blob: bytes) -> None:
    with contextlib.suppress(codec.ConnectionSettingsError):
        decoded = codec.decode(blob)
        # Whatever decodes re-encodes to the same bytes, apart from DIRECT and non-ASCII strings.
        if all(text.isascii() for text in (decoded.proxy, decoded.bypass, decoded.auto_config_url)):
            assert codec.decode(codec.encode(decoded)) == dataclasses.replace(
                decoded, flags=decoded.flags | codec.FLAG_DIRECT
            )


def test_disabled_text_differs_only_when_asked_to_compare_it() -> None:
    kept = codec.ConnectionSettings(flags=1, proxy="old:1", auto_config_url="http://old/p.pac")
    cleared = codec.ConnectionSettings(flags=1)
    assert codec.same_meaning(kept, cleared)
    assert not codec.same_meaning(kept, cleared, compare_disabled=True)
    assert codec.same_meaning(kept, kept, compare_disabled=True)
    assert kept.disabled_parts == {"proxy": "old:1", "auto_config_url": "http://old/p.pac"}


def test_build_keeps_disabled_text_unless_told_not_to() -> None:
    # The Carnival export (real_world_blobs entry 38): a PAC URL stored with its flag off.
    previous = codec.ConnectionSettings(flags=3, proxy="p:1", bypass="<local>", auto_config_url="http://p/array.dll")
    kept = codec.build(previous, proxy="", bypass="", auto_config_url="", auto_detect=False)
    assert (kept.flags, kept.proxy, kept.bypass, kept.auto_config_url) == (1, "", "", "http://p/array.dll")
    previous = codec.ConnectionSettings(flags=1, proxy="old:1", bypass="<local>", auto_config_url="http://p/x.pac")
    kept = codec.build(previous, proxy="", bypass="", auto_config_url="http://new/p.pac", auto_detect=True)
    assert (kept.flags, kept.proxy, kept.bypass, kept.auto_config_url) == (13, "old:1", "<local>", "http://new/p.pac")
    cleared = codec.build(previous, proxy="", bypass="", auto_config_url="", auto_detect=False, keep_disabled=False)
    assert (cleared.flags, cleared.proxy, cleared.bypass, cleared.auto_config_url) == (1, "", "", "")
