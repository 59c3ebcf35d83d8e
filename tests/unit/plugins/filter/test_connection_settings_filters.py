"""The connection_settings_decode / connection_settings_encode filters."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.proxyfleet.windows.plugins.filter.connection_settings import (
    FilterModule,
    connection_settings_decode,
    connection_settings_encode,
)

PAC_URL = "http://myproxy.fqdn/proxy.pac"
# binary-formats.md, "per-machine PAC only".
PAC_ONLY_HEX = "46000000040000000500000000000000000000001d000000" + PAC_URL.encode().hex() + "00" * 32
PAC_ONLY = {
    "version": 0x46,
    "counter": 4,
    "flags": 5,
    "manual_proxy": False,
    "auto_config": True,
    "auto_detect": False,
    "proxy": "",
    "bypass": [],
    "auto_config_url": PAC_URL,
    "proxy_effective": False,
    "auto_config_effective": True,
    "trailing": "00" * 32,
}
EMPTY_STRINGS_HEX = "00000000" * 3
ASCII_NOTE = "(other characters depend on the host's code page)"


def _pairs(text: str) -> list[str]:
    return [text[index : index + 2] for index in range(0, len(text), 2)]


def test_filters_are_registered() -> None:
    assert sorted(FilterModule().filters()) == ["connection_settings_decode", "connection_settings_encode"]


@pytest.mark.parametrize(
    "value",
    [
        PAC_ONLY_HEX,
        PAC_ONLY_HEX.upper(),
        " ".join(_pairs(PAC_ONLY_HEX)),
        bytes.fromhex(PAC_ONLY_HEX),
        bytearray.fromhex(PAC_ONLY_HEX),
        list(bytes.fromhex(PAC_ONLY_HEX)),
        [f"0x{byte:02x}" for byte in bytes.fromhex(PAC_ONLY_HEX)],
        ",".join(_pairs(PAC_ONLY_HEX)),
        "hex:" + ",".join(_pairs(PAC_ONLY_HEX)),
        "hex:" + ",".join(_pairs(PAC_ONLY_HEX)[:20]) + ",\\\n  " + ",".join(_pairs(PAC_ONLY_HEX)[20:]),
        ":".join(_pairs(PAC_ONLY_HEX)),
    ],
    ids=[
        "hex",
        "upper",
        "spaces",
        "bytes",
        "bytearray",
        "ints",
        "0x-strings",
        "reg-commas",
        "reg-prefix",
        "reg-lines",
        "colons",
    ],
)
def test_decode_accepts_every_input_form(value: object) -> None:
    assert connection_settings_decode(value) == PAC_ONLY


def test_decode_auto_detect_only() -> None:
    decoded = connection_settings_decode("460000000200000009000000" + EMPTY_STRINGS_HEX + "00" * 32)
    assert decoded == {
        "version": 0x46,
        "counter": 2,
        "flags": 9,
        "manual_proxy": False,
        "auto_config": False,
        "auto_detect": True,
        "proxy": "",
        "bypass": [],
        "auto_config_url": "",
        "proxy_effective": False,
        "auto_config_effective": False,
        "trailing": "00" * 32,
    }


def test_decode_manual_proxy_with_bypass() -> None:
    proxy = b"proxy.corp.example:8080"
    bypass = b"<local>;*.corp.example"
    blob = (
        bytes.fromhex("3c0000000700000003000000")
        + len(proxy).to_bytes(4, "little")
        + proxy
        + len(bypass).to_bytes(4, "little")
        + bypass
        + bytes(4)
        + bytes(28)
    )
    decoded = connection_settings_decode(blob)
    assert (decoded["version"], decoded["manual_proxy"], decoded["proxy"], decoded["bypass"]) == (
        0x3C,
        True,
        "proxy.corp.example:8080",
        ["<local>", "*.corp.example"],
    )
    assert connection_settings_encode(decoded) == blob.hex()


def test_encode_the_published_pac_only_example() -> None:
    assert connection_settings_encode({"counter": 4, "auto_config_url": PAC_URL}) == PAC_ONLY_HEX
    assert connection_settings_encode(PAC_ONLY) == PAC_ONLY_HEX


def test_an_enabled_flag_with_an_empty_string_is_written_as_windows_leaves_it() -> None:
    # Windows keeps flags 0x0F after the proxy text is cleared in the dialog (real_world_blobs entry 6).
    assert (
        connection_settings_encode({"manual_proxy": True}) == "460000000000000003000000" + EMPTY_STRINGS_HEX + "00" * 32
    )
    assert connection_settings_decode(connection_settings_encode({"flags": 3}))["proxy_effective"] is False


def test_encode_defaults() -> None:
    assert connection_settings_encode({}) == "460000000000000001000000" + EMPTY_STRINGS_HEX + "00" * 32
    assert connection_settings_encode({"version": 0x3C}) == "3c0000000000000001000000" + EMPTY_STRINGS_HEX + "00" * 28
    assert (
        connection_settings_encode({"version": 0x3C, "trailing": ""}) == "3c0000000000000001000000" + EMPTY_STRINGS_HEX
    )


def test_encode_keeps_trailing_bytes_through_a_change() -> None:
    original = "460000002900000001000000" + EMPTY_STRINGS_HEX + "0100000002000000feed"
    current = connection_settings_decode(original)
    changed = {
        **current,
        "manual_proxy": True,
        "proxy": "p:3128",
        "bypass": "<local>",
        "counter": current["counter"] + 1,
    }
    encoded = connection_settings_encode(changed)
    assert encoded == (
        "460000002a00000003000000"
        + "06000000" + b"p:3128".hex()
        + "07000000" + b"<local>".hex()
        + "00000000"
        + "0100000002000000feed"
    )  # fmt: skip
    assert connection_settings_encode(connection_settings_decode(encoded)) == encoded


@pytest.mark.parametrize(
    ("settings_in", "flags_out"),
    [
        ({"flags": 2, "proxy": "p:1"}, 3),
        ({"flags": 0}, 1),
        ({"proxy": "p:1"}, 3),
        ({"proxy": "p:1", "manual_proxy": False}, 1),
        ({"auto_config_url": "http://w/p.pac", "auto_detect": True}, 0x0D),
        ({"flags": 0x19, "auto_detect": False}, 0x11),
        ({"flags": 0x01, "proxy": "p:1"}, 0x01),
        ({**PAC_ONLY, "auto_detect": True}, 0x0D),
    ],
    ids=[
        "proxy-bit-alone",
        "zero",
        "implied-proxy",
        "proxy-off",
        "pac-and-wpad",
        "boolean-wins",
        "flags-win",
        "combine",
    ],
)
def test_encode_flags_always_direct(settings_in: dict, flags_out: int) -> None:
    assert connection_settings_decode(connection_settings_encode(settings_in))["flags"] == flags_out


def test_encode_bypass_forms_and_long_lists() -> None:
    entries = [f"host{index}.corp.example" for index in range(40)]
    as_list = connection_settings_encode({"proxy": "p:1", "bypass": entries})
    assert as_list == connection_settings_encode({"proxy": "p:1", "bypass": ";".join(entries)})
    decoded = connection_settings_decode(as_list)
    assert decoded["bypass"] == entries
    assert len(";".join(entries)) > 255


@pytest.mark.parametrize(
    ("call", "value", "message"),
    [
        (connection_settings_decode, "zz", "connection_settings_decode: input 'zz' is not a hex string"),
        (
            connection_settings_decode,
            5,
            "connection_settings_decode: input must be a hex string, bytes or a list of integers, got int",
        ),
        (connection_settings_decode, [300], "connection_settings_decode: input as a list must hold integers 0-255"),
        (connection_settings_decode, ["zz"], "connection_settings_decode: input as a list must hold integers 0-255"),
        (connection_settings_decode, [None], "connection_settings_decode: input as a list must hold integers 0-255"),
        (
            connection_settings_decode,
            "4600000004000000",
            "connection_settings_decode: DefaultConnectionSettings blob is truncated: "
            "flags at offset 8 needs 4 bytes, 0 remain",
        ),
        (
            connection_settings_decode,
            "46000000040000000300000017000000" + b"proxy.corp.exa".hex(),
            "connection_settings_decode: DefaultConnectionSettings blob is truncated: "
            "proxy length 23 at offset 12 exceeds the 14 bytes that follow",
        ),
        (connection_settings_encode, "x", "connection_settings_encode: expected a dict, got str"),
        (
            connection_settings_encode,
            {"proxyy": "p:1", "Bypass": []},
            "connection_settings_encode: unknown key(s) Bypass, proxyy; expected some of version, counter, flags, "
            "manual_proxy, auto_config, auto_detect, proxy, bypass, auto_config_url, trailing",
        ),
        (
            connection_settings_encode,
            {"version": -1},
            "connection_settings_encode: version -1 is not an integer 0-4294967295",
        ),
        (
            connection_settings_encode,
            {"counter": 2**32},
            "connection_settings_encode: counter 4294967296 is not an integer 0-4294967295",
        ),
        (
            connection_settings_encode,
            {"flags": True},
            "connection_settings_encode: flags True is not an integer 0-4294967295",
        ),
        (
            connection_settings_encode,
            {"version": "70"},
            "connection_settings_encode: version '70' is not an integer 0-4294967295",
        ),
        (
            connection_settings_encode,
            {"proxy": 5},
            (
                "connection_settings_encode: proxy must be a string (host:port or http=host:port;https=host:port), "
                "got int"
            ),
        ),
        (
            connection_settings_encode,
            {"auto_config_url": ["u"]},
            "connection_settings_encode: auto_config_url must be a string (an http:// or https:// URL), got list",
        ),
        (
            connection_settings_encode,
            {"bypass": 5},
            "connection_settings_encode: bypass must be a list of strings or a ';'-separated string, got int",
        ),
        (
            connection_settings_encode,
            {"bypass": ["a", 1]},
            "connection_settings_encode: bypass must be a list of strings or a ';'-separated string, got list",
        ),
        (
            connection_settings_encode,
            {"manual_proxy": "yes"},
            "connection_settings_encode: manual_proxy must be a boolean (true or false), got str",
        ),
        (
            connection_settings_encode,
            {"auto_config": 1},
            "connection_settings_encode: auto_config must be a boolean (true or false), got int",
        ),
        (
            connection_settings_encode,
            {"auto_detect": "false"},
            "connection_settings_encode: auto_detect must be a boolean (true or false), got str",
        ),
        (
            connection_settings_encode,
            {"proxy": "p:1\0x"},
            "connection_settings_encode: DefaultConnectionSettings proxy must not contain a NUL character "
            "(WinINET ends the string there): 'p:1\\x00x'",
        ),
        (
            connection_settings_encode,
            {"bypass": ["a\0b"]},
            "connection_settings_encode: DefaultConnectionSettings bypass must not contain a NUL character "
            "(WinINET ends the string there): 'a\\x00b'",
        ),
        (
            connection_settings_encode,
            {"proxy": True},
            "connection_settings_encode: proxy must be a string (host:port or http=host:port;https=host:port), "
            "got bool",
        ),
        (
            connection_settings_encode,
            {"auto_config_url": 8080},
            "connection_settings_encode: auto_config_url must be a string (an http:// or https:// URL), got int",
        ),
        (
            connection_settings_encode,
            {"bypass": True},
            "connection_settings_encode: bypass must be a list of strings or a ';'-separated string, got bool",
        ),
        (
            connection_settings_encode,
            {"counter": True},
            "connection_settings_encode: counter True is not an integer 0-4294967295",
        ),
        (
            connection_settings_encode,
            {"flags": [3]},
            "connection_settings_encode: flags [3] is not an integer 0-4294967295",
        ),
        (
            connection_settings_encode,
            {"trailing": True},
            "connection_settings_encode: trailing must be a hex string, bytes or a list of integers, got bool",
        ),
        (
            connection_settings_encode,
            {"trailing": "zz"},
            "connection_settings_encode: trailing 'zz' is not a hex string",
        ),
        (
            connection_settings_encode,
            {"trailing": [256]},
            "connection_settings_encode: trailing as a list must hold integers 0-255",
        ),
        (
            connection_settings_encode,
            {"trailing": 5},
            "connection_settings_encode: trailing must be a hex string, bytes or a list of integers, got int",
        ),
        (
            connection_settings_encode,
            {"proxy": "p\u00e9:1"},
            f"connection_settings_encode: DefaultConnectionSettings proxy must be ASCII {ASCII_NOTE}: 'p\u00e9:1'",
        ),
        (
            connection_settings_encode,
            {"bypass": ["*.\u00e9xample"]},
            "connection_settings_encode: DefaultConnectionSettings bypass must be ASCII "
            f"{ASCII_NOTE}: '*.\u00e9xample'",
        ),
        (
            connection_settings_encode,
            {"auto_config_url": "http://\u00e9/p.pac"},
            "connection_settings_encode: DefaultConnectionSettings auto-config URL must be ASCII "
            f"{ASCII_NOTE}: 'http://\u00e9/p.pac'",
        ),
    ],
)
def test_errors(call: object, value: object, message: str) -> None:
    with pytest.raises(AnsibleFilterError) as info:
        call(value)  # type: ignore[operator]
    assert str(info.value) == message


_ascii_text = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters=";"), min_size=1, max_size=30
)


@settings(max_examples=200, deadline=None)
@given(
    version=st.sampled_from([0x46, 0x3C, 0x28]),
    counter=st.integers(0, 0xFFFFFFFF),
    proxy=st.one_of(st.just(""), _ascii_text),
    bypass=st.lists(_ascii_text, max_size=20),
    auto_config_url=st.one_of(st.just(""), _ascii_text),
    auto_detect=st.booleans(),
    trailing=st.one_of(st.none(), st.binary(max_size=48)),
)
def test_encode_decode_round_trip(
    version: int,
    counter: int,
    proxy: str,
    bypass: list[str],
    auto_config_url: str,
    auto_detect: bool,
    trailing: bytes | None,
) -> None:
    given_settings = {
        "version": version,
        "counter": counter,
        "proxy": proxy,
        "bypass": bypass,
        "auto_config_url": auto_config_url,
        "auto_detect": auto_detect,
    }
    if trailing is not None:
        given_settings["trailing"] = trailing.hex()
    encoded = connection_settings_encode(given_settings)
    decoded = connection_settings_decode(encoded)
    padding = bytes(28 if version == 0x3C else 32)
    assert decoded == {
        "version": version,
        "counter": counter,
        "flags": 1 | (2 if proxy else 0) | (4 if auto_config_url else 0) | (8 if auto_detect else 0),
        "manual_proxy": bool(proxy),
        "auto_config": bool(auto_config_url),
        "auto_detect": auto_detect,
        "proxy": proxy,
        "bypass": bypass,
        "auto_config_url": auto_config_url,
        "proxy_effective": bool(proxy),
        "auto_config_effective": bool(auto_config_url),
        "trailing": (padding if trailing is None else trailing).hex(),
    }
    assert connection_settings_encode(decoded) == encoded


WRONG_TYPES = {"number": 5, "list": [1], "bool": True, "dict": {"a": 1}}
# The types each key takes; every other wrong type must fail naming the key.
CONNECTION_KEYS = {
    "version": ("number",),
    "counter": ("number",),
    "flags": ("number",),
    "manual_proxy": ("bool",),
    "auto_config": ("bool",),
    "auto_detect": ("bool",),
    "proxy": (),
    "bypass": (),
    "auto_config_url": (),
    "trailing": ("list",),
}


@pytest.mark.parametrize(
    ("key", "kind"),
    [(key, kind) for key, valid in CONNECTION_KEYS.items() for kind in WRONG_TYPES if kind not in valid],
)
def test_encode_names_the_key_for_every_wrong_type(key: str, kind: str) -> None:
    with pytest.raises(AnsibleFilterError) as info:
        connection_settings_encode({key: WRONG_TYPES[kind]})
    message = str(info.value)
    assert message.startswith(f"connection_settings_encode: {key} "), message
    assert "Error" not in message and "object" not in message
