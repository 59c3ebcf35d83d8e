"""The committed fixture hosts (tests/fixtures/hosts): regedit format, in sync with make_hosts, key facts.

Expected blobs are spelt out byte by byte here, independently of the encoders in make_hosts.
"""

from __future__ import annotations

import base64
import codecs
import json
import typing as t
from pathlib import Path

import pytest

from tests.fixtures import make_hosts
from tests.winsim import regfile
from tests.winsim.agent_twin import load_protocol, run_request
from tests.winsim.fleet import Fleet
from tests.winsim.regfile import REG_BINARY, Value
from tests.winsim.registry import Registry

HOSTS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "hosts"
CONTRACT_HOSTS = (
    "clean-host",
    "srv2019-compliant",
    "srv2022-stale-netsh",
    "win10-do-group",
    "win11-gpo-telemetry",
    "win11-mde-half",
    "win11-peruser",
)
# Hosts with a <host>.json facts file beside the .reg.
FACTS_HOSTS = ("win11-gpo-telemetry",)
RSOP = "root\\rsop\\computer"

CONN = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
INET = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings"
INET_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings"
DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
ATP_POLICY = r"SOFTWARE\Policies\Microsoft\Windows Advanced Threat Protection"
ATP_STATUS = r"SOFTWARE\Microsoft\Windows Advanced Threat Protection\Status"
DEFENDER = r"SOFTWARE\Policies\Microsoft\Windows Defender"
SPYNET = r"SOFTWARE\Policies\Microsoft\Windows Defender\Spynet"
DO = r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization"
CURRENT_VERSION = r"SOFTWARE\Microsoft\Windows NT\CurrentVersion"
COMPUTER_NAME = r"SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName"
USER = r"S-1-5-21-3623811015-3361044348-30300820-1013\Software\Microsoft\Windows\CurrentVersion\Internet Settings"

PROXY = b"proxy.corp.example:8080"
BYPASS = "<local>;*.corp.example;*.prod.do.dsp.mp.microsoft.com"
PADDING = bytes(32)

WINHTTP_DIRECT = bytes.fromhex("18000000 00000000 01000000 00000000 00000000")
WINHTTP_STALE = (
    bytes.fromhex("18000000 00000000 03000000 1a000000")
    + b"oldproxy.corp.example:3128"
    + bytes.fromhex("07000000")
    + b"<local>"
)
WINHTTP_OLD_BYPASS = (
    bytes.fromhex("18000000 00000000 03000000 17000000") + PROXY + bytes.fromhex("16000000") + b"<local>;*.corp.example"
)
WINHTTP_BASELINE = (
    bytes.fromhex("18000000 00000000 03000000 17000000") + PROXY + bytes.fromhex("35000000") + BYPASS.encode()
)


def _conn_blob(counter: int, flags: int, proxy: bytes = b"", bypass: bytes = b"") -> bytes:
    """A version-0x46 WinINET connection blob, no PAC URL, spelt field by field."""
    return (
        bytes.fromhex("46000000")
        + counter.to_bytes(4, "little")
        + flags.to_bytes(4, "little")
        + len(proxy).to_bytes(4, "little")
        + proxy
        + len(bypass).to_bytes(4, "little")
        + bypass
        + bytes(4)
        + PADDING
    )


def _binary(hex_text: str) -> Value:
    """A REG_BINARY value from spaced hex text."""
    return Value(REG_BINARY, bytes.fromhex(hex_text))


def _load(name: str) -> Registry:
    """The committed registry of host ``name``."""
    return Registry.load(HOSTS_DIR / f"{name}.reg")


def _dword(number: int) -> Value:
    """A REG_DWORD value."""
    return Value.dword(number)


def _sz(text: str) -> Value:
    """A REG_SZ value."""
    return Value.string(text)


# ---------------------------------------------------------------------------------------------
# Files: format and sync with the generator


def test_the_fleet_is_exactly_the_contract_hosts() -> None:
    assert sorted(path.stem for path in HOSTS_DIR.glob("*.reg")) == list(CONTRACT_HOSTS)
    assert sorted(make_hosts.HOSTS) == list(CONTRACT_HOSTS)
    # Beside the .reg files: the README and <host>.json facts of some hosts, nothing else.
    assert sorted(path.stem for path in HOSTS_DIR.glob("*.json")) == list(FACTS_HOSTS)
    assert sorted(make_hosts.FACTS) == list(FACTS_HOSTS)
    others = {path.name for path in HOSTS_DIR.iterdir()} - {f"{name}.reg" for name in CONTRACT_HOSTS}
    assert others == {"README.md"} | {f"{name}.json" for name in FACTS_HOSTS}


@pytest.mark.parametrize("name", FACTS_HOSTS)
def test_facts_file_is_what_make_hosts_generates(name: str) -> None:
    data = (HOSTS_DIR / f"{name}.json").read_bytes()
    assert data == make_hosts.render_facts(name), "regenerate with: python -m tests.fixtures.make_hosts"
    assert data.isascii() and data.endswith(b"}\n")
    assert isinstance(json.loads(data), dict)


def test_the_simulator_loads_every_host_with_its_facts() -> None:
    fleet = Fleet.load(HOSTS_DIR)
    assert fleet.names() == sorted(CONTRACT_HOSTS)
    for host in fleet:
        assert bool(host.facts) == (host.name in FACTS_HOSTS), host.name


@pytest.mark.parametrize("name", CONTRACT_HOSTS)
def test_file_is_a_regedit_export(name: str) -> None:
    data = (HOSTS_DIR / f"{name}.reg").read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE)
    text = data[2:].decode("utf-16-le")
    assert text.count("\n") == text.count("\r\n") == text.count("\r")
    lines = text.split("\r\n")
    assert lines[0] == regfile.HEADER_V5
    assert lines[1] == ""
    assert text.endswith("\r\n\r\n")
    for index, line in enumerate(lines):
        if line.endswith("\\"):
            # regedit wraps hex data once a line reaches 77 characters: "xx," then the backslash.
            assert 77 <= len(line) <= 80, line
            assert "=hex" in line or line.startswith("  "), line
            assert lines[index + 1].startswith("  "), lines[index + 1]


@pytest.mark.parametrize("name", CONTRACT_HOSTS)
def test_file_parses_and_has_hex_continuations(name: str) -> None:
    data = (HOSTS_DIR / f"{name}.reg").read_bytes()
    sections = regfile.parse(data)
    assert sections[0].path == r"HKEY_LOCAL_MACHINE\SOFTWARE"
    assert any(line.endswith("\\\r\n") for line in data.decode("utf-16").splitlines(keepends=True))


@pytest.mark.parametrize("name", CONTRACT_HOSTS)
def test_file_is_what_make_hosts_generates(name: str) -> None:
    assert (HOSTS_DIR / f"{name}.reg").read_bytes() == make_hosts.render(name), (
        "regenerate with: python -m tests.fixtures.make_hosts"
    )


@pytest.mark.parametrize("name", CONTRACT_HOSTS)
def test_simulator_writes_the_file_back_unchanged(name: str) -> None:
    path = HOSTS_DIR / f"{name}.reg"
    assert _load(name).dumps() == path.read_bytes()


def test_make_hosts_command_line_writes_the_same_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert make_hosts.main(["--out", str(tmp_path)]) == 0
    expected = sorted([f"{name}.reg" for name in CONTRACT_HOSTS] + [f"{name}.json" for name in FACTS_HOSTS])
    assert sorted(Path(line).name for line in capsys.readouterr().out.splitlines()) == expected
    assert sorted(path.name for path in tmp_path.iterdir()) == expected
    for file_name in expected:
        assert (tmp_path / file_name).read_bytes() == (HOSTS_DIR / file_name).read_bytes()


def test_readme_describes_every_host() -> None:
    readme = (HOSTS_DIR / "README.md").read_text(encoding="utf-8")
    for name in CONTRACT_HOSTS:
        assert sum(line.startswith(f"- `{name}`: ") for line in readme.splitlines()) == 1, name


# ---------------------------------------------------------------------------------------------
# Unrelated context every host carries

OS_FACTS = {
    "win11-peruser": ("22631", "23H2", "Enterprise", "WIN11-PERUSER"),
    "srv2022-stale-netsh": ("20348", "21H2", "ServerDatacenter", "SRV2022-NETSH"),
    "win11-mde-half": ("22631", "23H2", "Enterprise", "WIN11-MDE-HALF"),
    "win10-do-group": ("19045", "22H2", "Enterprise", "WIN10-DO-GROUP"),
    "clean-host": ("26100", "24H2", "Professional", "CLEAN-HOST"),
    "srv2019-compliant": ("17763", None, "ServerStandard", "SRV2019-COMPLY"),
    "win11-gpo-telemetry": ("22631", "23H2", "Enterprise", "WIN11-GPO-TELEM"),
}


@pytest.mark.parametrize("name", CONTRACT_HOSTS)
def test_os_identity(name: str) -> None:
    build, display_version, edition, computer_name = OS_FACTS[name]
    reg = _load(name)
    assert reg.get_value("HKLM", CURRENT_VERSION, "CurrentBuild") == _sz(build)
    assert reg.get_value("HKLM", CURRENT_VERSION, "EditionID") == _sz(edition)
    expected_display = None if display_version is None else _sz(display_version)
    assert reg.get_value("HKLM", CURRENT_VERSION, "DisplayVersion") == expected_display
    product = reg.get_value("HKLM", CURRENT_VERSION, "ProductName")
    assert product is not None
    assert product.raw.decode("utf-16-le").startswith("Windows ")
    assert reg.get_value("HKLM", COMPUTER_NAME, "ComputerName") == _sz(computer_name)
    assert len(computer_name) <= 15


@pytest.mark.parametrize("name", ["win11-mde-half", "srv2019-compliant", "win11-gpo-telemetry"])
def test_mde_hosts_are_onboarded_with_policy_neighbours(name: str) -> None:
    reg = _load(name)
    assert reg.get_value("HKLM", ATP_STATUS, "OnboardingState") == _dword(1)
    assert reg.get_value("HKLM", DATA_COLLECTION, "AllowTelemetry") == _dword(1)
    assert reg.get_value("HKLM", ATP_POLICY, "AllowSampleCollection") == _dword(1)
    assert reg.get_value("HKLM", DEFENDER, "PUAProtection") == _dword(1)
    assert reg.get_value("HKLM", SPYNET, "SpynetReporting") == _dword(2)
    assert reg.get_value("HKLM", SPYNET, "SubmitSamplesConsent") == _dword(1)
    assert reg.get_value("HKLM", SPYNET, "SSLOptions") is None


@pytest.mark.parametrize("name", sorted(set(CONTRACT_HOSTS) - {"srv2019-compliant"}))
def test_only_the_compliant_host_prefers_the_static_proxy(name: str) -> None:
    assert _load(name).get_value("HKLM", ATP_POLICY, "PreferStaticProxyForHttpRequest") is None


# ---------------------------------------------------------------------------------------------
# Key facts per host


def test_win11_peruser() -> None:
    reg = _load("win11-peruser")
    user_blob = _conn_blob(0x0B, 0x03, PROXY, b"<local>")
    assert user_blob == bytes.fromhex(
        "46000000 0b000000 03000000 17000000 70726f78792e636f72702e6578616d706c653a38303830"
        " 07000000 3c6c6f63616c3e 00000000" + " 00" * 32
    )
    assert reg.get_value("HKU", USER + r"\Connections", "DefaultConnectionSettings") == Value(REG_BINARY, user_blob)
    assert reg.get_value("HKU", USER, "ProxyEnable") == _dword(1)
    assert reg.get_value("HKU", USER, "ProxyServer") == _sz("proxy.corp.example:8080")
    assert reg.get_value("HKU", USER, "ProxyOverride") == _sz("<local>")
    assert not reg.key_exists("HKLM", INET_POLICY)
    for view in (64, 32):
        assert reg.get_value("HKLM", CONN, "DefaultConnectionSettings", view=view) == Value(
            REG_BINARY, _conn_blob(2, 0x01)
        )
        assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=view) is None
        assert reg.get_value("HKLM", INET, "ProxyEnable", view=view) is None
    assert reg.get_value("HKU", USER, "MigrateProxy") == _dword(1)


def test_srv2022_stale_netsh() -> None:
    reg = _load("srv2022-stale-netsh")
    assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=64) == _binary(
        "18000000 00000000 03000000 1a000000 6f6c6470726f78792e636f72702e6578616d706c653a33313238"
        " 07000000 3c6c6f63616c3e"
    )
    assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=64) == Value(REG_BINARY, WINHTTP_STALE)
    assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=32) == Value(REG_BINARY, WINHTTP_OLD_BYPASS)
    wow_conn = CONN.replace("SOFTWARE\\", "SOFTWARE\\WOW6432Node\\", 1)
    assert reg.get_value("HKLM", wow_conn, "WinHttpSettings") == Value(REG_BINARY, WINHTTP_OLD_BYPASS)
    assert reg.get_value("HKLM", INET_POLICY, "ProxySettingsPerUser") == _dword(0)
    assert reg.get_value("HKLM", INET_POLICY, "EnableAutoProxyResultCache") == _dword(0)
    wininet = Value(REG_BINARY, _conn_blob(6, 0x03, PROXY, b"<local>;*.corp.example"))
    for view in (64, 32):
        assert reg.get_value("HKLM", CONN, "DefaultConnectionSettings", view=view) == wininet
        assert reg.get_value("HKLM", CONN, "SavedLegacySettings", view=view) == wininet
    assert reg.get_value("HKLM", INET, "ProxyEnable") == _dword(1)
    assert reg.get_value("HKLM", INET, "ProxyServer") == _sz("proxy.corp.example:8080")
    assert reg.get_value("HKLM", INET, "ProxyOverride") == _sz("<local>;*.corp.example")
    assert not reg.key_exists("HKLM", DATA_COLLECTION)
    assert not reg.key_exists("HKLM", DO)


def test_win11_mde_half() -> None:
    reg = _load("win11-mde-half")
    assert reg.get_value("HKLM", DATA_COLLECTION, "TelemetryProxyServer") == _sz("10.0.0.6:8080")
    assert reg.get_value("HKLM", DATA_COLLECTION, "DisableEnterpriseAuthProxy") is None
    assert reg.get_value("HKLM", DEFENDER, "ProxyServer") == _sz("10.0.0.6:8080")
    assert reg.get_value("HKLM", DEFENDER, "ProxyBypass") is None
    assert reg.key_exists("HKLM", ATP_POLICY)
    assert reg.get_value("HKLM", ATP_POLICY, "PreferStaticProxyForHttpRequest") is None
    for view in (64, 32):
        assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=view) == Value(REG_BINARY, WINHTTP_DIRECT)
        assert reg.get_value("HKLM", CONN, "DefaultConnectionSettings", view=view) == _binary(
            "46000000 02000000 01000000 00000000 00000000 00000000" + " 00" * 32
        )
    assert not reg.key_exists("HKLM", INET_POLICY)


def test_win10_do_group() -> None:
    reg = _load("win10-do-group")
    assert reg.get_value("HKLM", DO, "DODownloadMode") == _dword(2)
    assert reg.get_value("HKLM", DO, "DOGroupId") is None
    assert reg.get_value("HKLM", DO, "DOGroupIdSource") is None
    assert reg.get_value("HKLM", DO, "DOCacheHost") == _sz("mcc1.corp.example,mcc2.corp.example")
    assert reg.get_value("HKLM", DO, "DOMaxCacheAge") == _dword(604800)
    assert reg.get_value("HKLM", INET_POLICY, "ProxySettingsPerUser") == _dword(0)
    wininet = Value(REG_BINARY, _conn_blob(4, 0x03, PROXY, BYPASS.encode()))
    for view in (64, 32):
        assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=view) == Value(REG_BINARY, WINHTTP_BASELINE)
        assert reg.get_value("HKLM", CONN, "DefaultConnectionSettings", view=view) == wininet
        assert reg.get_value("HKLM", CONN, "SavedLegacySettings", view=view) == wininet
    assert reg.get_value("HKLM", INET, "ProxyOverride") == _sz(BYPASS)
    assert not reg.key_exists("HKLM", ATP_STATUS)


def test_clean_host() -> None:
    reg = _load("clean-host")
    assert reg.subkey_names("HKLM", r"SOFTWARE\Policies\Microsoft") == ["Windows Defender"]
    assert reg.subkey_names("HKLM", DEFENDER) == ["Policy Manager"]
    assert reg.values("HKLM", DEFENDER) == []
    assert reg.subkey_names("HKU", "") == []
    for view in (64, 32):
        assert [name for name, value in reg.values("HKLM", CONN, view=view)] == ["DefaultConnectionSettings"]
        assert reg.get_value("HKLM", CONN, "DefaultConnectionSettings", view=view) == Value(
            REG_BINARY, _conn_blob(1, 0x01)
        )
        assert reg.get_value("HKLM", INET, "ProxyServer", view=view) is None


def test_srv2019_compliant() -> None:
    reg = _load("srv2019-compliant")
    wininet = Value(REG_BINARY, _conn_blob(9, 0x03, PROXY, BYPASS.encode()))
    for view in (64, 32):
        assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=view) == Value(REG_BINARY, WINHTTP_BASELINE)
        assert reg.get_value("HKLM", CONN, "DefaultConnectionSettings", view=view) == wininet
        assert reg.get_value("HKLM", CONN, "SavedLegacySettings", view=view) == wininet
    assert reg.get_value("HKLM", INET_POLICY, "ProxySettingsPerUser") == _dword(0)
    assert reg.get_value("HKLM", INET, "ProxyEnable") == _dword(1)
    assert reg.get_value("HKLM", INET, "ProxyServer") == _sz("proxy.corp.example:8080")
    assert reg.get_value("HKLM", INET, "ProxyOverride") == _sz(BYPASS)
    assert reg.get_value("HKLM", DATA_COLLECTION, "TelemetryProxyServer") == _sz("proxy.corp.example:8080")
    assert reg.get_value("HKLM", DATA_COLLECTION, "DisableEnterpriseAuthProxy") == _dword(1)
    assert reg.get_value("HKLM", ATP_POLICY, "PreferStaticProxyForHttpRequest") == _dword(1)
    assert reg.get_value("HKLM", DEFENDER, "ProxyServer") == _sz("http://proxy.corp.example:8080")
    assert reg.get_value("HKLM", DEFENDER, "ProxyBypass") == _sz(BYPASS)
    assert reg.get_value("HKLM", DO, "DODownloadMode") == _dword(1)
    assert reg.get_value("HKLM", CURRENT_VERSION, "ReleaseId") == _sz("1809")


def _facts(name: str) -> dict[str, t.Any]:
    facts: dict[str, t.Any] = json.loads((HOSTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return facts


MDE_GPO_ID = "cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com"


def test_win11_gpo_telemetry() -> None:
    reg = _load("win11-gpo-telemetry")
    assert reg.get_value("HKLM", DATA_COLLECTION, "TelemetryProxyServer") == _sz("10.0.0.9:3128")
    assert reg.get_value("HKLM", DATA_COLLECTION, "DisableEnterpriseAuthProxy") == _dword(1)
    assert reg.get_value("HKLM", ATP_POLICY, "PreferStaticProxyForHttpRequest") is None
    assert reg.get_value("HKLM", DEFENDER, "ProxyServer") is None
    assert not reg.key_exists("HKLM", INET_POLICY)
    for view in (64, 32):
        assert reg.get_value("HKLM", CONN, "WinHttpSettings", view=view) is None
    rsop = _facts("win11-gpo-telemetry")["wmi"][RSOP]
    gpos = {row["id"]: row for row in rsop["RSOP_GPO"]}
    assert gpos[MDE_GPO_ID]["name"] == "Contoso MDE proxy"
    assert gpos[MDE_GPO_ID]["guidName"] == "{5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8}"
    winning = {
        (row["registryKey"], row["valueName"]): row
        for row in rsop["RSOP_RegistryPolicySetting"]
        if row["precedence"] == 1
    }
    for value_name in ("TelemetryProxyServer", "DisableEnterpriseAuthProxy"):
        row = winning[(DATA_COLLECTION, value_name)]
        assert (row["GPOID"], row["name"], row["SOMID"]) == (
            MDE_GPO_ID,
            value_name,
            "OU=Workstations,DC=contoso,DC=com",
        )
    losing = [row for row in rsop["RSOP_RegistryPolicySetting"] if row["precedence"] != 1]
    assert [(r["valueName"], r["precedence"], gpos[r["GPOID"]]["name"]) for r in losing] == [
        ("TelemetryProxyServer", 2, "Contoso Workstation Baseline")
    ]


@pytest.mark.parametrize("name", FACTS_HOSTS)
def test_rsop_explains_the_registry(name: str) -> None:
    """Every winning RSoP row is in HKLM with its type and data; every GPOID names an RSOP_GPO; ids unique."""
    reg = _load(name)
    rsop = _facts(name)["wmi"][RSOP]
    gpo_ids = {row["id"] for row in rsop["RSOP_GPO"]}
    rows = rsop["RSOP_RegistryPolicySetting"]
    assert len({(row["id"], row["precedence"]) for row in rows}) == len(rows)
    for row in rows:
        assert row["GPOID"] in gpo_ids
        assert row["GPOID"].startswith("cn={") and row["GPOID"].endswith(",cn=policies,cn=system,DC=contoso,DC=com")
        assert not row["registryKey"].upper().startswith("HKEY_")
        stored = reg.get_value("HKLM", row["registryKey"], row["valueName"])
        assert stored is not None, row
        if row["precedence"] == 1:
            assert Value(row["valueType"], base64.b64decode(row["value"])) == stored, row
        else:
            assert Value(row["valueType"], base64.b64decode(row["value"])) != stored, row
    # Every value under SOFTWARE\Policies comes from some GPO.
    policies = {(r["registryKey"].lower(), r["valueName"].lower()) for r in rows if r["precedence"] == 1}
    for key in (DATA_COLLECTION, ATP_POLICY, DEFENDER, SPYNET):
        for value_name, _value in reg.values("HKLM", key):
            assert (key.lower(), value_name.lower()) in policies, (key, value_name)


def test_the_twin_answers_wmi_query_from_the_facts() -> None:
    host = Fleet.load(HOSTS_DIR).get("win11-gpo-telemetry")
    assert host is not None
    protocol = load_protocol()
    query = {
        "op": "wmi_query",
        "namespace": RSOP,
        "class": "RSOP_RegistryPolicySetting",
        "properties": ["registryKey", "valueName", "GPOID", "precedence", "name"],
        "where": {"precedence": 1, "valueName": "TelemetryProxyServer"},
    }
    response = run_request(host.registry, protocol.build_request([query]), facts=host.facts)
    assert response["results"] == [
        {
            "op": "wmi_query",
            "status": "ok",
            "instances": [
                {
                    "registryKey": DATA_COLLECTION,
                    "valueName": "TelemetryProxyServer",
                    "GPOID": MDE_GPO_ID,
                    "precedence": 1,
                    "name": "TelemetryProxyServer",
                }
            ],
        }
    ]
    other = run_request(Fleet.load(HOSTS_DIR).get("clean-host").registry, protocol.build_request([query]))  # type: ignore[union-attr]
    assert other["results"][0]["missing"] == "namespace"
