"""The WinHttpSettings codec against the Wine vectors and round-trip properties."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _winhttp_settings as codec

# A byte-identical copy of the Wine vectors, inside the repository (see tests/fixtures/vectors/README.md).
VECTORS_FILE = Path(__file__).resolve().parents[3] / "fixtures" / "vectors" / "winhttp_settings_wine.json"
VECTORS = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vectors"]
ACCESS_TYPES = {1: "direct", 3: "named_proxy"}


@pytest.mark.parametrize("vector", VECTORS, ids=[f"vector{index}" for index in range(len(VECTORS))])
def test_decodes_every_wine_vector(vector: dict) -> None:
    settings = codec.decode(bytes.fromhex(vector["blob_hex"]))
    assert settings.access_type == ACCESS_TYPES[vector["read_access_type"]]
    assert settings.proxy == vector["read_proxy"]
    assert settings.bypass == vector["read_bypass"]
    assert settings.header == 0x18
    assert settings.trailing == b""


@pytest.mark.parametrize("vector", VECTORS, ids=[f"vector{index}" for index in range(len(VECTORS))])
def test_encodes_every_wine_vector_to_a_blob_that_decodes_back(vector: dict) -> None:
    access_type = ACCESS_TYPES[vector["set_access_type"]]
    blob = codec.encode(codec.WinHttpSettings(access_type, vector["set_proxy"], vector["set_bypass"]))
    back = codec.decode(blob)
    assert (back.access_type, back.proxy, back.bypass) == (
        access_type,
        vector["read_proxy"],
        vector["read_bypass"],
    )
    # Same bytes as Wine except the flags: Windows writes DIRECT|PROXY (3) for a named proxy.
    expected = bytearray.fromhex(vector["blob_hex"])
    expected[8] = 3 if access_type == "named_proxy" else 1
    assert blob == bytes(expected)


def test_direct_is_the_reset_blob() -> None:
    assert codec.encode(codec.WinHttpSettings("direct")).hex() == "1800000000000000010000000000000000000000"


def test_named_proxy_flags_and_zero_second_dword_under_0x18() -> None:
    old = codec.WinHttpSettings("named_proxy", "a:1", "", header=0x18, counter=7, flags=2)
    blob = codec.encode(old)
    assert blob[:12] == bytes.fromhex("180000000000000003000000")


def test_other_headers_and_second_dword_are_kept_trailing_preserved() -> None:
    # Windows writes 0 as the second DWORD under 0x28 after `netsh winhttp set proxy` (real_world_blobs
    # entry 39), so the value is kept as read, not counted up.
    blob = (
        bytes.fromhex("28000000050000000300000003000000") + b"p:1" + bytes.fromhex("00000000") + b"\x07\x00\x00\x00tail"
    )
    settings = codec.decode(blob)
    assert (settings.header, settings.counter, settings.proxy, settings.bypass) == (0x28, 5, "p:1", "")
    assert settings.trailing == b"\x07\x00\x00\x00tail"
    rewritten = codec.encode(
        codec.WinHttpSettings(
            "named_proxy", "q:2", "<local>", settings.header, settings.counter, settings.flags, settings.trailing
        )
    )
    assert rewritten == (
        bytes.fromhex("28000000050000000300000003000000")
        + b"q:2"
        + bytes.fromhex("07000000")
        + b"<local>"
        + b"\x07\x00\x00\x00tail"
    )


def test_flags_two_alone_reads_as_named_proxy_and_one_as_direct_ignoring_strings() -> None:
    assert (
        codec.decode(
            bytes.fromhex("1800000000000000020000000300000070")[:12] + b"\x03\x00\x00\x00p:1\x00\x00\x00\x00"
        ).access_type
        == "named_proxy"
    )
    direct = codec.decode(bytes.fromhex("18000000000000000100000003000000") + b"p:1" + bytes(4))
    assert (direct.access_type, direct.proxy, direct.bypass) == ("direct", None, None)


def test_short_direct_blob_without_lengths_is_direct() -> None:
    assert codec.decode(bytes.fromhex("180000000000000001000000")).access_type == "direct"


def test_bypass_longer_than_255_bytes_round_trips() -> None:
    bypass = ";".join(f"host{index}.corp.example" for index in range(40))
    assert len(bypass) > 255
    blob = codec.encode(codec.WinHttpSettings("named_proxy", "p:8080", bypass))
    assert codec.decode(blob).bypass == bypass


@pytest.mark.parametrize(
    ("blob_hex", "why"),
    [
        ("28000000000000000100000000000000000000", "the published 19-byte netsh reset value"),
        ("280000000000000001000000ffffffff", "no PROXY flag: whatever follows is not read"),
        ("18000000000000000300000003000000703a31", "0x18 and shorter than 20 bytes: Wine ignores it"),
        ("1800000001000000030000000300000070" + "3a3100000000", "0x18 with a second DWORD of 1: Wine ignores it"),
    ],
)
def test_blobs_wine_ignores_or_without_the_proxy_flag_are_direct(blob_hex: str, why: str) -> None:
    blob = bytes.fromhex(blob_hex)
    settings = codec.decode(blob)
    assert (settings.access_type, settings.proxy, settings.bypass) == ("direct", None, None), why
    assert codec.wine_access_type(blob) == "direct"


def test_wine_reads_a_whole_0x18_named_proxy() -> None:
    blob = codec.encode(codec.WinHttpSettings("named_proxy", "p:1", "<local>"))
    assert codec.wine_access_type(blob) == "named_proxy"
    assert codec.wine_access_type(blob[:-1]) == "direct"


def test_a_nul_ends_a_string_as_winhttp_reads_it() -> None:
    blob = bytes.fromhex("18000000000000000300000007000000") + b"p:1\0xyz" + bytes.fromhex("00000000")
    assert codec.decode(blob).proxy == "p:1"


@pytest.mark.parametrize("field", ["proxy", "bypass"])
def test_encoder_refuses_a_nul(field: str) -> None:
    values = {"proxy": "p:1", "bypass": "<local>"}
    values[field] = values[field] + "\0x"
    with pytest.raises(codec.WinHttpSettingsError) as info:
        codec.encode(codec.WinHttpSettings("named_proxy", values["proxy"], values["bypass"]))
    assert str(info.value) == (
        f"WinHttpSettings {field} must not contain a NUL character (WinHTTP ends the string there): {values[field]!r}"
    )


@pytest.mark.parametrize(
    ("blob_hex", "message"),
    [
        ("1800", "WinHttpSettings blob is truncated: header at offset 0 needs 4 bytes, 2 remain"),
        (
            "18000000000000000300000017000000" + "70" * 5,
            "WinHttpSettings blob is truncated: proxy length 23 at offset 12 exceeds the 5 bytes that follow",
        ),
    ],
)
def test_truncated_blobs_are_reported(blob_hex: str, message: str) -> None:
    with pytest.raises(codec.WinHttpSettingsError) as info:
        codec.decode(bytes.fromhex(blob_hex))
    assert str(info.value) == message


def test_encoder_refuses_non_ascii() -> None:
    with pytest.raises(codec.WinHttpSettingsError) as info:
        codec.encode(codec.WinHttpSettings("named_proxy", "pröxy:1", ""))
    assert str(info.value) == "WinHttpSettings proxy must be ASCII (WinHTTP rejects other characters): 'pröxy:1'"


_ascii_text = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters=";"), min_size=1, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(
    proxy=_ascii_text,
    bypass=st.lists(_ascii_text, max_size=30),
    header=st.sampled_from([0x18, 0x28, 0x3C, 0x46]),
    counter=st.integers(0, 0xFFFFFFFF),
    trailing=st.binary(max_size=40),
)
def test_round_trip_named_proxy(proxy: str, bypass: list[str], header: int, counter: int, trailing: bytes) -> None:
    original = codec.WinHttpSettings("named_proxy", proxy, ";".join(bypass), header, counter, 3, trailing)
    back = codec.decode(codec.encode(original))
    assert (back.access_type, back.proxy, back.bypass, back.header) == ("named_proxy", proxy, ";".join(bypass), header)
    assert back.bypass_list == bypass
    assert back.counter == (0 if header == 0x18 else counter)
    assert back.trailing == (b"" if header == 0x18 else trailing)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_decoder_never_crashes_on_garbage(blob: bytes) -> None:
    with contextlib.suppress(codec.WinHttpSettingsError):
        codec.decode(blob)
