"""Every real-world blob in tests/fixtures/vectors/real_world_blobs.json decodes to what its source says.

The vectors are registry values from real Windows machines (regedit exports, netsh output, forum
posts, issue threads); each entry's ``expected`` is what its source says the value means. The
reasoning where a source and the reference disagree is in docs/dev/real-blobs.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.proxyfleet.windows.plugins.filter.connection_settings import (
    connection_settings_decode,
    connection_settings_encode,
)
from ansible_collections.proxyfleet.windows.plugins.filter.winhttp_settings import (
    winhttp_settings_decode,
    winhttp_settings_encode,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _connection_settings as connection_codec
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _winhttp_settings as winhttp_codec

VECTORS_FILE = Path(__file__).resolve().parents[3] / "fixtures" / "vectors" / "real_world_blobs.json"
BLOBS = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["blobs"]
WINHTTP = [(index, entry) for index, entry in enumerate(BLOBS) if entry["kind"] == "WinHttpSettings"]
CONNECTIONS = [(index, entry) for index, entry in enumerate(BLOBS) if entry["kind"] != "WinHttpSettings"]

# Blobs whose decode -> encode is documented NOT to give the same bytes (the filters' docs say why):
# WinHTTP: a value shorter than 20 bytes (written whole), a named proxy with an empty proxy string.
WINHTTP_NOT_ROUND_TRIPPED = {42: "19 bytes", 43: "named proxy without a proxy"}
# WinINET: flags without DIRECT (DIRECT is always written), blobs that end before their strings.
CONNECTIONS_NOT_ROUND_TRIPPED = {36: "flags 0", 44: "header only", 45: "header only, flags 0x02"}


def test_the_vectors_are_the_46_real_blobs() -> None:
    assert len(BLOBS) == 46
    assert len(WINHTTP) == 5
    assert all(len(bytes.fromhex(entry["hex"])) == entry["length"] for entry in BLOBS)


@pytest.mark.parametrize(("index", "entry"), CONNECTIONS, ids=[f"blob{index}" for index, _entry in CONNECTIONS])
def test_connection_settings_decode_to_what_the_source_says(index: int, entry: dict) -> None:
    expected = entry["expected"]
    blob = bytes.fromhex(entry["hex"])
    settings = connection_codec.decode(blob)
    assert (settings.version, settings.counter, settings.flags) == (
        expected["version"],
        expected["counter"],
        expected["flags"],
    )
    assert (settings.proxy, settings.bypass_list, settings.auto_config_url) == (
        expected["proxy"],
        expected["bypass"],
        expected["auto_config_url"],
    )
    assert (settings.manual_proxy, settings.auto_config, settings.auto_detect) == (
        expected["manual_proxy"],
        expected["auto_config"],
        expected["auto_detect"],
    )
    assert len(settings.trailing) == expected["trailing_len"]
    # What WinINET does with it: the proxy is used only with DIRECT and PROXY set and a proxy to use.
    effective = expected.get("proxy_effective", expected["manual_proxy"] and bool(expected["proxy"]))
    assert settings.proxy_effective is effective
    assert settings.auto_config_effective is (expected["auto_config"] and bool(expected["auto_config_url"].strip()))
    decoded = connection_settings_decode(entry["hex"])
    assert decoded["proxy_effective"] is effective
    assert decoded["bypass"] == expected["bypass"]


@pytest.mark.parametrize(("index", "entry"), CONNECTIONS, ids=[f"blob{index}" for index, _entry in CONNECTIONS])
def test_connection_settings_decode_then_encode_gives_the_same_bytes(index: int, entry: dict) -> None:
    encoded = connection_settings_encode(connection_settings_decode(entry["hex"]))
    assert (encoded == entry["hex"]) is (index not in CONNECTIONS_NOT_ROUND_TRIPPED)
    # The codec itself round-trips every blob that has DIRECT and its three strings.
    settings = connection_codec.decode(bytes.fromhex(entry["hex"]))
    if index not in CONNECTIONS_NOT_ROUND_TRIPPED:
        assert connection_codec.encode(settings).hex() == entry["hex"]


def test_the_blobs_that_do_not_round_trip_are_the_documented_kinds() -> None:
    for index in CONNECTIONS_NOT_ROUND_TRIPPED:
        settings = connection_codec.decode(bytes.fromhex(BLOBS[index]["hex"]))
        assert not settings.flags & connection_codec.FLAG_DIRECT or BLOBS[index]["length"] == 12
    assert connection_settings_encode(connection_settings_decode(BLOBS[44]["hex"])).startswith(BLOBS[44]["hex"])


@pytest.mark.parametrize(("index", "entry"), WINHTTP, ids=[f"blob{index}" for index, _entry in WINHTTP])
def test_winhttp_settings_decode_to_what_the_source_says(index: int, entry: dict) -> None:
    expected = entry["expected"]
    blob = bytes.fromhex(entry["hex"])
    decoded = winhttp_settings_decode(entry["hex"])
    assert decoded["access_type"] == expected["access_type"]
    assert decoded["proxy"] == expected["proxy"]
    assert decoded["bypass"] == expected["bypass"]
    assert (decoded["header"], decoded["flags"]) == (expected["header"], expected["flags"])
    # And what Wine's WinHTTP makes of it, which differs for header 0x28.
    assert expected["wine_reads_as"].startswith(winhttp_codec.wine_access_type(blob))


@pytest.mark.parametrize(("index", "entry"), WINHTTP, ids=[f"blob{index}" for index, _entry in WINHTTP])
def test_winhttp_settings_decode_then_encode_gives_the_same_bytes(index: int, entry: dict) -> None:
    decoded = winhttp_settings_decode(entry["hex"])
    if index == 43:
        assert decoded["access_type"] == "named_proxy"
        assert decoded["proxy"] == ""
        return
    encoded = winhttp_settings_encode(decoded)
    assert (encoded == entry["hex"]) is (index not in WINHTTP_NOT_ROUND_TRIPPED)
    if index in WINHTTP_NOT_ROUND_TRIPPED:
        # Written whole: the same header and second DWORD, direct, both lengths.
        assert encoded == entry["hex"][:16] + "010000000000000000000000"


def test_header_0x28_second_dword_is_kept_on_rewrite() -> None:
    parsiya = bytes.fromhex(BLOBS[39]["hex"])
    settings = winhttp_codec.decode(parsiya)
    assert winhttp_codec.encode(settings) == parsiya
    rewritten = winhttp_codec.encode(
        winhttp_codec.WinHttpSettings("named_proxy", "q:2", "", settings.header, settings.counter, settings.flags)
    )
    assert rewritten[:12] == bytes.fromhex("280000000000000003000000")


@pytest.mark.parametrize(
    ("index", "entry"), list(enumerate(BLOBS)), ids=[f"blob{index}" for index in range(len(BLOBS))]
)
def test_every_cut_and_every_flipped_byte_decodes_or_fails_with_the_codecs_own_error(index: int, entry: dict) -> None:
    blob = bytes.fromhex(entry["hex"])
    winhttp = entry["kind"] == "WinHttpSettings"
    codec_error = winhttp_codec.WinHttpSettingsError if winhttp else connection_codec.ConnectionSettingsError
    decode = winhttp_codec.decode if winhttp else connection_codec.decode
    variants = [blob[:length] for length in range(len(blob))]
    variants += [
        blob[:position] + bytes([blob[position] ^ 0xFF]) + blob[position + 1 :] for position in range(len(blob))
    ]
    outcomes = []
    for variant in variants:
        try:
            decode(variant)
        except codec_error:
            outcomes.append("refused")
        else:
            outcomes.append("decoded")
    # Any other exception fails the test above; most variants still decode (the tolerant decoders).
    assert outcomes.count("decoded") > len(variants) // 4
