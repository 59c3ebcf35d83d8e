"""The winhttp_settings_decode / winhttp_settings_encode filters."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

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
        "flags": 2,
    }


def test_decode_direct() -> None:
    assert winhttp_settings_decode("1800000000000000010000000000000000000000") == {
        "access_type": "direct",
        "proxy": None,
        "bypass": [],
        "header": 24,
        "flags": 1,
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
            "18000000",
            "winhttp_settings_decode: WinHttpSettings blob is truncated: "
            "second DWORD at offset 4 needs 4 bytes, 0 remain",
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
