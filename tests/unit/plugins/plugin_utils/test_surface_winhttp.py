"""The WinHTTP surface: reading both views, drift by meaning, the one write per view."""

from __future__ import annotations

import base64

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_winhttp as winhttp
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import RegistrySnapshot, RegValue

PATH = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
NAMED = "18000000000000000300000017000000" + b"proxy.corp.example:8080".hex() + "0e000000" + b"<local>;*.CORP".hex()


def snapshot(**views: str | None) -> RegistrySnapshot:
    keys = []
    for view in (64, 32):
        blob = views.get(f"v{view}")
        values = (
            []
            if blob is None
            else [{"name": "winhttpsettings", "type": "binary", "data": base64.b64encode(bytes.fromhex(blob)).decode()}]
        )
        keys.append({"hive": "HKLM", "path": PATH, "view": view, "exists": True, "values": values, "subkeys": []})
    return RegistrySnapshot.from_read_result({"op": "read", "status": "ok", "keys": keys})


def test_missing_value_is_direct_and_reported_as_absent() -> None:
    state = winhttp.read_view(snapshot(), 32)
    assert state.as_dict() == {
        "access_type": "direct",
        "proxy": None,
        "bypass": [],
        "value_present": False,
        "header": None,
    }


def test_named_proxy_is_decoded_case_insensitive_value_name() -> None:
    state = winhttp.read_view(snapshot(v64=NAMED), 64)
    assert state.as_dict() == {
        "access_type": "named_proxy",
        "proxy": "proxy.corp.example:8080",
        "bypass": ["<local>", "*.CORP"],
        "value_present": True,
        "header": "0x18",
    }


def test_compliance_compares_meaning_not_bytes() -> None:
    state = winhttp.read_view(snapshot(v64=NAMED), 64)
    desired = winhttp.Desired("named_proxy", "PROXY.corp.example:8080", ("*.corp", "<LOCAL>"))
    assert winhttp.drift(state, desired) == []
    assert winhttp.plan(state, desired) is None


def test_drift_lists_each_setting() -> None:
    state = winhttp.read_view(snapshot(v64=NAMED), 64)
    desired = winhttp.Desired("named_proxy", "new.corp.example:3128", ("<local>",))
    assert winhttp.drift(state, desired) == [
        {"setting": "winhttp.64.proxy", "current": "proxy.corp.example:8080", "desired": "new.corp.example:3128"},
        {"setting": "winhttp.64.bypass", "current": ["<local>", "*.CORP"], "desired": ["<local>"]},
    ]
    assert winhttp.drift(winhttp.read_view(snapshot(), 32), desired) == [
        {"setting": "winhttp.32.access_type", "current": "direct", "desired": "named_proxy"},
        {"setting": "winhttp.32.proxy", "current": None, "desired": "new.corp.example:3128"},
        {"setting": "winhttp.32.bypass", "current": [], "desired": ["<local>"]},
    ]


def test_plan_writes_users_order_with_precondition_of_the_value_as_read() -> None:
    state = winhttp.read_view(snapshot(v64=NAMED), 64)
    change = winhttp.plan(state, winhttp.Desired("named_proxy", "p:1", ("b", "a")))
    assert change is not None
    request = change.to_request()
    assert request == {
        "action": "set_value",
        "hive": "HKLM",
        "path": PATH,
        "view": 64,
        "name": "WinHttpSettings",
        "type": "binary",
        "data": base64.b64encode(
            bytes.fromhex("18000000000000000300000003000000") + b"p:1" + bytes.fromhex("03000000") + b"b;a"
        ).decode(),
        "expect": {"exists": True, "type": "binary", "data": base64.b64encode(bytes.fromhex(NAMED)).decode()},
    }


def test_plan_for_missing_value_expects_absence_and_uses_header_0x18() -> None:
    change = winhttp.plan(winhttp.read_view(snapshot(), 32), winhttp.Desired("named_proxy", "p:1"))
    assert change is not None
    assert change.expect == RegValue.missing()
    assert change.value is not None and change.value.as_bytes() == bytes.fromhex(
        "18000000000000000300000003000000"
    ) + b"p:1" + bytes(4)


def test_absent_writes_the_direct_blob_keeping_a_newer_header() -> None:
    blob = "28000000020000000300000003000000" + b"p:1".hex() + "00000000"
    change = winhttp.plan(winhttp.read_view(snapshot(v64=blob), 64), winhttp.Desired("direct"))
    assert change is not None and change.value is not None
    # The second DWORD is written back as read (Windows writes 0 there under 0x28: real_world_blobs entry 39).
    assert change.value.as_bytes() == bytes.fromhex("2800000002000000010000000000000000000000")


def test_missing_value_complies_with_direct() -> None:
    assert winhttp.plan(winhttp.read_view(snapshot(), 64), winhttp.Desired("direct")) is None


def test_unreadable_value_is_drift_with_the_error() -> None:
    state = winhttp.read_view(snapshot(v64="18000000"), 64)
    assert state.as_dict() == {
        "access_type": "invalid",
        "proxy": None,
        "bypass": [],
        "value_present": True,
        "header": None,
        "error": "WinHttpSettings blob is truncated: second DWORD at offset 4 needs 4 bytes, 0 remain",
    }
    change = winhttp.plan(state, winhttp.Desired("direct"))
    assert (
        change is not None
        and change.value is not None
        and change.value.as_bytes() == bytes.fromhex("1800000000000000010000000000000000000000")
    )


def test_surface_reads_both_views_and_plans_one_write_per_drifting_view() -> None:
    surface = winhttp.WinHttpSurface(
        winhttp.Desired("named_proxy", "proxy.corp.example:8080", ("<local>", "*.corp")), [64, 32]
    )
    state = snapshot(v64=NAMED)
    assert [key.view for key in surface.registry_keys()] == [64, 32]
    assert surface.describe(state)["32"]["access_type"] == "direct"
    assert [change.address.view for change in surface.plan(state)] == [32]
    assert [item["setting"] for item in surface.drift(state)] == [
        "winhttp.32.access_type",
        "winhttp.32.proxy",
        "winhttp.32.bypass",
    ]
    assert surface.warnings(state) == []


TRUNCATED = base64.b64encode(b"\x46\0\0\0").decode()


def test_source_wininet_leaves_winhttp_alone_when_wininet_cannot_be_read() -> None:
    keys = [
        {
            "hive": "HKLM", "path": PATH, "view": view, "exists": True, "subkeys": [],
            "values": [
                {"name": "WinHttpSettings", "type": "binary", "data": base64.b64encode(bytes.fromhex(NAMED)).decode()},
                {"name": "DefaultConnectionSettings", "type": "binary", "data": TRUNCATED},
            ],
        }
        for view in (64, 32)
    ]  # fmt: skip
    state = RegistrySnapshot.from_read_result({"keys": keys})
    surface = winhttp.WinHttpSurface(None, [64, 32])
    assert (surface.drift(state), surface.plan(state)) == ([], [])
    assert surface.warnings(state) == [
        "source=wininet: the machine's DefaultConnectionSettings blob is truncated: counter at offset 4 needs 4 "
        "bytes, 0 remain; WinHTTP is left as it is"
    ]


def test_ftp_and_socks_entries_are_accepted_with_a_warning() -> None:
    # INTERNET_SCHEME (WinHTTP): FTP is only for WinHttpGetProxyForUrl(Ex), SOCKS only for
    # WINHTTP_PROXY_RESULT_ENTRY; WinHTTP's requests are http/https, so these entries of the default proxy do nothing.
    proxy = "http=p.corp:80;https=p.corp:443;ftp=f.corp:21;socks=s.corp:1080"
    surface = winhttp.WinHttpSurface(winhttp.Desired("named_proxy", proxy, ()), [64])
    assert surface.warnings(snapshot()) == [
        "proxy: ftp=f.corp:21, socks=s.corp:1080 is accepted but WinHTTP never uses ftp= or socks= entries of its "
        "default proxy (INTERNET_SCHEME: FTP and SOCKS are not schemes of WinHTTP requests)"
    ]
    assert winhttp.ignored_entries("p.corp:8080") == []
    assert winhttp.ignored_entries("http=p:1;FTP=f:2") == ["FTP=f:2"]
