"""The winhttp_settings_decode / winhttp_settings_encode filters."""

from __future__ import annotations

import struct

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.proxyfleet.windows.plugins.filter.winhttp_settings import (
    FilterModule,
    winhttp_settings_decode,
    winhttp_settings_encode,
)

NAMED_HEX = "1800000000000000020000000d00000031302e302e302e363a3830383007000000" + b"<local>".hex()


def test_filters_are_registered() -> None:
    assert sorted(FilterModule().filters()) == ["winhttp_settings_decode", "winhttp_settings_encode"]


@pytest.mark.parametrize(
    "value",
    [
        NAMED_HEX,
        bytes.fromhex(NAMED_HEX),
        list(bytes.fromhex(NAMED_HEX)),
        ",".join(NAMED_HEX[i : i + 2] for i in range(0, len(NAMED_HEX), 2)),
        "hex:" + ",".join(NAMED_HEX[i : i + 2] for i in range(0, len(NAMED_HEX), 2)),
    ],
    ids=["hex", "bytes", "ints", "reg-commas", "reg-prefix"],
)
def test_decode_accepts_every_input_form(value: object) -> None:
    assert winhttp_settings_decode(value) == {
        "access_type": "named_proxy",
        "proxy": "10.0.0.6:8080",
        "bypass": ["<local>"],
        "header": 24,
        "counter": 0,
        "flags": 2,
        "trailing": "",
    }


def test_decode_direct() -> None:
    assert winhttp_settings_decode("1800000000000000010000000000000000000000") == {
        "access_type": "direct",
        "proxy": None,
        "bypass": [],
        "header": 24,
        "counter": 0,
        "flags": 1,
        "trailing": "",
    }


def test_encode_then_decode() -> None:
    encoded = winhttp_settings_encode({"proxy": "10.0.0.6:8080", "bypass": ["<local>"]})
    assert encoded == "1800000000000000030000000d00000031302e302e302e363a3830383007000000" + b"<local>".hex()
    assert winhttp_settings_decode(encoded)["bypass"] == ["<local>"]
    assert winhttp_settings_encode({}) == "1800000000000000010000000000000000000000"
    assert winhttp_settings_encode(winhttp_settings_decode(encoded)) == encoded


@pytest.mark.parametrize(
    ("call", "value", "message"),
    [
        (winhttp_settings_decode, "zz", "winhttp_settings_decode: input 'zz' is not a hex string"),
        (
            winhttp_settings_decode,
            5,
            "winhttp_settings_decode: input must be a hex string, bytes or a list of integers, got int",
        ),
        (winhttp_settings_decode, [300], "winhttp_settings_decode: input as a list must hold integers 0-255"),
        (
            winhttp_settings_decode,
            "1800000000000000030000001700000070707070",
            "winhttp_settings_decode: WinHttpSettings blob is truncated: "
            "proxy length 23 at offset 12 exceeds the 4 bytes that follow",
        ),
        (
            winhttp_settings_encode,
            {"proxy": 8080},
            "winhttp_settings_encode: proxy must be a string (host:port or http=host:port;https=host:port), got int",
        ),
        (
            winhttp_settings_encode,
            {"proxy": ["a:1"]},
            "winhttp_settings_encode: proxy must be a string (host:port or http=host:port;https=host:port), got list",
        ),
        (
            winhttp_settings_encode,
            {"proxy": True},
            "winhttp_settings_encode: proxy must be a string (host:port or http=host:port;https=host:port), got bool",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "bypass": 5},
            "winhttp_settings_encode: bypass must be a list of strings or a ';'-separated string, got int",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "bypass": True},
            "winhttp_settings_encode: bypass must be a list of strings or a ';'-separated string, got bool",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "bypass": [1]},
            "winhttp_settings_encode: bypass must be a list of strings or a ';'-separated string, got list",
        ),
        (
            winhttp_settings_encode,
            {"access_type": ["direct"]},
            "winhttp_settings_encode: access_type ['direct'] is not one of direct, named_proxy",
        ),
        (
            winhttp_settings_encode,
            {"access_type": True},
            "winhttp_settings_encode: access_type True is not one of direct, named_proxy",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "header": True},
            "winhttp_settings_encode: header True is not an integer 0-4294967295",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "header": "24"},
            "winhttp_settings_encode: header '24' is not an integer 0-4294967295",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "counter": [0]},
            "winhttp_settings_encode: counter [0] is not an integer 0-4294967295",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "flags": False},
            "winhttp_settings_encode: flags False is not an integer 0-4294967295",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "trailing": 5},
            "winhttp_settings_encode: trailing must be a hex string, bytes or a list of integers, got int",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "server": "x"},
            "winhttp_settings_encode: unknown key(s) server; expected some of access_type, proxy, bypass, header, "
            "counter, flags, trailing",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1\0x"},
            "winhttp_settings_encode: WinHttpSettings proxy must not contain a NUL character "
            "(WinHTTP ends the string there): 'p:1\\x00x'",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "bypass": ["<local>\0x"]},
            "winhttp_settings_encode: WinHttpSettings bypass must not contain a NUL character "
            "(WinHTTP ends the string there): '<local>\\x00x'",
        ),
        (winhttp_settings_encode, "x", "winhttp_settings_encode: expected a dict, got str"),
        (
            winhttp_settings_encode,
            {"access_type": "auto"},
            "winhttp_settings_encode: access_type 'auto' is not one of direct, named_proxy",
        ),
        (
            winhttp_settings_encode,
            {"access_type": "named_proxy"},
            "winhttp_settings_encode: access_type named_proxy needs a proxy",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p:1", "header": -1},
            "winhttp_settings_encode: header -1 is not an integer 0-4294967295",
        ),
        (
            winhttp_settings_encode,
            {"proxy": "p\u00e9:1"},
            "winhttp_settings_encode: WinHttpSettings proxy must be ASCII "
            "(WinHTTP rejects other characters): 'p\u00e9:1'",
        ),
    ],
)
def test_errors(call: object, value: object, message: str) -> None:
    with pytest.raises(AnsibleFilterError) as info:
        call(value)  # type: ignore[operator]
    assert str(info.value) == message


WRONG_TYPES = {"number": 5, "list": [1], "bool": True, "dict": {"a": 1}}
# The types each key takes; every other wrong type must fail naming the key.
WINHTTP_KEYS = {
    "proxy": (),
    "bypass": (),
    "access_type": (),
    "header": ("number",),
    "counter": ("number",),
    "flags": ("number",),
    "trailing": ("list",),
}


@pytest.mark.parametrize(
    ("key", "kind"),
    [(key, kind) for key, valid in WINHTTP_KEYS.items() for kind in WRONG_TYPES if kind not in valid],
)
def test_encode_names_the_key_for_every_wrong_type(key: str, kind: str) -> None:
    settings = {"proxy": "p:1", key: WRONG_TYPES[kind]}
    with pytest.raises(AnsibleFilterError) as info:
        winhttp_settings_encode(settings)
    message = str(info.value)
    assert message.startswith(f"winhttp_settings_encode: {key} "), message
    assert "Error" not in message and "object" not in message


_text = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters=";"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    proxy=_text.filter(bool),
    bypass=st.lists(_text.filter(bool), max_size=5),
    header=st.sampled_from([0x18, 0x28, 0x3C, 0x46]),
    counter=st.integers(0, 0xFFFFFFFF),
    trailing=st.binary(max_size=16),
)
def test_decode_then_encode_gives_the_same_bytes_where_the_docs_promise_it(
    proxy: str, bypass: list[str], header: int, counter: int, trailing: bytes
) -> None:
    classic = header == 0x18
    named = (
        struct.pack("<III", header, 0 if classic else counter, 3)
        + struct.pack("<I", len(proxy))
        + proxy.encode()
        + struct.pack("<I", len(";".join(bypass)))
        + ";".join(bypass).encode()
        + (b"" if classic else trailing)
    )
    direct = struct.pack("<IIIII", header, 0 if classic else counter, 1, 0, 0)
    for blob in (named, direct):
        assert winhttp_settings_encode(winhttp_settings_decode(blob)) == blob.hex()
