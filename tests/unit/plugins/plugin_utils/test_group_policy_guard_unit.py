"""The owner guard: values Group Policy, MDM or Group Policy Preferences set are held, not written, unless
override_owner names their owner (docs/owners.md)."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_delivery_optimization as do
from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_telemetry as telemetry
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._gpo import owners, rsop_operations
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._owners import _properties, gpp_operation, gpp_owners
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface import converge

DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
DO_POLICY = r"SOFTWARE\Policies\Microsoft\Windows\DeliveryOptimization"
PM = r"SOFTWARE\Microsoft\PolicyManager\current\device"
CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"
GPO_ID = "cn={6AC1786C-016F-11D2-945F-00C04FB984F9},cn=policies,cn=system,DC=contoso,DC=com"
ENROLLMENT = "{0E2BD5A1-8B8B-4C8B-9C52-6B3C1E2A9F10}"
SETTINGS = {
    "op": "wmi_query",
    "status": "ok",
    "instances": [
        {"registryKey": DATA_COLLECTION, "valueName": "TelemetryProxyServer", "GPOID": GPO_ID, "precedence": 1},
        # A losing GPO: only precedence 1 owns the value.
        {"registryKey": DATA_COLLECTION, "valueName": "DisableEnterpriseAuthProxy", "GPOID": "cn=x", "precedence": 2},
        {"registryKey": r"SOFTWARE\Policies\Other", "valueName": "Foo", "GPOID": GPO_ID, "precedence": 1},
    ],
}
GPOS = {
    "op": "wmi_query",
    "status": "ok",
    "instances": [{"id": GPO_ID, "name": "Contoso MDE proxy", "guidName": "{6AC1}"}],
}
NO_ROWS = {"op": "wmi_query", "status": "ok", "instances": []}
Values = dict[str, tuple[str, t.Any]]


def gpp_row(key: str, name: str, *, cse: str = "{B087BE9D-ED37-454f-AF9C-04291E351182}", precedence: int = 1) -> dict:
    xml = (
        f'<Registry clsid="{{9CD4B2F4-923D-47f5-A062-E897DD1DAD50}}" name="{name}">'
        f'<Properties action="U" hive="HKEY_LOCAL_MACHINE" key="{key}" name="{name}" type="REG_BINARY" '
        'value="2800"/></Registry>'
    )
    return {
        "GPOID": GPO_ID,
        "precedence": precedence,
        "polmkrBaseCseGuid": cse,
        "polmkrBaseGpoDisplayName": "Contoso proxy preferences",
        "polmkrBaseGpoGuid": "{6AC1786C-016F-11D2-945F-00C04FB984F9}",
        "polmkrBaseInstanceXml": xml,
    }


class FakeSession:
    """Answers the read from ``registry`` (path -> values) and the WMI queries as given; records applies."""

    def __init__(
        self,
        registry: dict[str, Values],
        settings: dict[str, t.Any] | None = None,
        gpos: dict[str, t.Any] | None = None,
        gpp: dict[str, t.Any] | None = None,
    ) -> None:
        self.registry = registry
        self.answers = (settings or NO_ROWS, gpos or NO_ROWS, gpp or NO_ROWS)
        self.applied: list[dict[str, t.Any]] = []
        self.commands = 0

    def run(self, operations: list[dict[str, t.Any]]) -> list[dict[str, t.Any]]:
        self.commands += 1
        if operations[0]["op"] == "apply":
            self.applied.append(operations[0])
            after = [{**{k: c[k] for k in ("hive", "path", "view", "name")}, "exists": c["action"] == "set_value",
                      **({"type": c["type"], "data": c["data"]} if c["action"] == "set_value" else {})}
                     for c in operations[0]["changes"]]  # fmt: skip
            return [{"op": "apply", "status": "applied", "backup_id": "b1", "after": after}]
        # One command: the read, the RSoP and the preference items together.
        assert operations[1:] == [*rsop_operations(), gpp_operation()]
        keys = []
        for key in operations[0]["keys"]:
            if "*" in key["path"]:
                if key["path"] == r"SOFTWARE\Microsoft\Enrollments\*":
                    keys.append(
                        {**key, "path": rf"SOFTWARE\Microsoft\Enrollments\{ENROLLMENT}", "pattern": key["path"],
                         "exists": True, "subkeys": [],
                         "values": [{"name": "ProviderID", "type": "string", "data": "MS DM Server"},
                                    {"name": "UPN", "type": "string", "data": "admin@contoso.com"}]}
                    )  # fmt: skip
                continue
            values = [{"name": n, "type": v[0], "data": v[1]} for n, v in self.registry.get(key["path"], {}).items()]
            keys.append({**key, "exists": bool(values), "values": values, "subkeys": []})
        return [{"op": "read", "status": "ok", "keys": keys}, *self.answers]


def telemetry_surface() -> t.Any:
    return telemetry.surface_from_options({"proxy": "proxy.corp.example:8080", "state": "present"})


def do_surface() -> t.Any:
    return do.surface_from_options({"download_mode": "lan", "state": "present"})


GP_TELEMETRY = {DATA_COLLECTION: {"TelemetryProxyServer": ("string", "10.0.0.9:3128")}}
GP_HELD = (
    "telemetry.proxy is owned by Group Policy 'Contoso MDE proxy' ("
    + GPO_ID
    + f"); HKLM\\{DATA_COLLECTION}\\TelemetryProxyServer is left as it is: the next Group Policy refresh would "
    "revert it. To change it, edit the GPO 'Contoso MDE proxy', or name group_policy in override_owner to write "
    "it anyway"
)
MDM_DO = {
    PM + r"\DeliveryOptimization": {
        "DODownloadMode": ("dword", 2),
        "DODownloadMode_WinningProvider": ("string", ENROLLMENT),
    }
}
MDM_DO_OWNER = {
    "owner": "mdm",
    "area": "DeliveryOptimization",
    "policy": "DODownloadMode",
    "csp": "./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode",
    "key": f"HKLM\\{PM}\\DeliveryOptimization",
    "value": "DODownloadMode",
    "effective": "group",
    "mdm_wins_over_gp": False,
    "provider": "MS DM Server (admin@contoso.com)",
    "verified": False,
}
MDM_HELD = (
    "delivery_optimization.download_mode is owned by MDM policy "
    "./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode "
    f"(HKLM\\{PM}\\DeliveryOptimization\\DODownloadMode, enrollment MS DM Server (admin@contoso.com)); "
    f"HKLM\\{DO_POLICY}\\DODownloadMode is left as it is: a Group Policy value written here would override the "
    "MDM profile, which would no longer apply. To change it, change the Intune (MDM) profile that sets "
    "./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode, or name mdm in override_owner to "
    "write it anyway"
)


def test_owners_keep_only_winning_rows_of_managed_values() -> None:
    found = owners(SETTINGS, GPOS)
    assert [owner.as_dict() for owner in found.values()] == [
        {
            "setting": "telemetry.proxy",
            "key": f"HKLM\\{DATA_COLLECTION}",
            "value": "TelemetryProxyServer",
            "gpo_name": "Contoso MDE proxy",
            "gpo_id": GPO_ID,
            "precedence": 1,
        }
    ]


def test_a_gpo_value_is_held_with_its_owner_and_not_written() -> None:
    session = FakeSession(GP_TELEMETRY, SETTINGS, GPOS)
    outcome = converge(session, [telemetry_surface()], check_mode=False, diff=False)  # type: ignore[arg-type]
    result = outcome["surfaces"]["telemetry"]
    owner = {
        "owner": "group_policy",
        "gpo_name": "Contoso MDE proxy",
        "gpo_id": GPO_ID,
        "key": f"HKLM\\{DATA_COLLECTION}",
    }
    assert result["held"] == [
        {
            "setting": "telemetry.proxy",
            "current": "10.0.0.9:3128",
            "desired": "proxy.corp.example:8080",
            **owner,
            "held": True,
        }
    ]
    # DisableEnterpriseAuthProxy is not owned (its GPO lost), so it alone is drift, and written.
    assert result["drift"] == [
        {"setting": "telemetry.disable_enterprise_auth_proxy", "current": None, "desired": True, "owner": "local"}
    ]
    assert outcome["held"] == result["held"]
    assert result["owners"]["telemetry.proxy"] == owner
    assert result["owners"]["telemetry.disable_enterprise_auth_proxy"] == {"owner": "local"}
    assert [change["name"] for change in session.applied[0]["changes"]] == ["DisableEnterpriseAuthProxy"]
    assert outcome["warnings"] == [GP_HELD]


def test_check_mode_reports_a_held_value_as_held_and_nothing_else_when_the_rest_complies() -> None:
    registry = {DATA_COLLECTION: {**GP_TELEMETRY[DATA_COLLECTION], "DisableEnterpriseAuthProxy": ("dword", 1)}}
    session = FakeSession(registry, SETTINGS, GPOS)
    outcome = converge(session, [telemetry_surface()], check_mode=True, diff=False)  # type: ignore[arg-type]
    assert (outcome["changed"], outcome["drift"], [item["setting"] for item in outcome["held"]]) == (
        False,
        [],
        ["telemetry.proxy"],
    )
    assert session.commands == 1


@pytest.mark.parametrize("how", [{"telemetry": {"group_policy"}}, {"telemetry": {"group_policy", "mdm"}}])
def test_override_owner_writes_it_with_a_warning(how: dict[str, set[str]]) -> None:
    session = FakeSession(GP_TELEMETRY, SETTINGS, GPOS)
    outcome = converge(session, [telemetry_surface()], check_mode=False, diff=False, override_owner=how)  # type: ignore[arg-type]
    assert [change["name"] for change in session.applied[0]["changes"]] == [
        "TelemetryProxyServer",
        "DisableEnterpriseAuthProxy",
    ]
    assert outcome["held"] == []
    assert outcome["warnings"] == [
        f"telemetry.proxy is owned by Group Policy 'Contoso MDE proxy' ({GPO_ID}); "
        f"HKLM\\{DATA_COLLECTION}\\TelemetryProxyServer written because override_owner names group_policy, but "
        "the next Group Policy refresh would revert it"
    ]


def test_override_owner_naming_another_owner_does_not_write_it() -> None:
    session = FakeSession(GP_TELEMETRY, SETTINGS, GPOS)
    outcome = converge(  # type: ignore[arg-type]
        session, [telemetry_surface()], check_mode=False, diff=False, override_owner={"telemetry": {"mdm"}}
    )
    assert outcome["warnings"] == [GP_HELD]
    assert [change["name"] for change in session.applied[0]["changes"]] == ["DisableEnterpriseAuthProxy"]


def test_an_mdm_value_is_held_and_named_with_its_policy_and_enrollment() -> None:
    session = FakeSession(MDM_DO)
    outcome = converge(session, [do_surface()], check_mode=False, diff=False)  # type: ignore[arg-type]
    assert outcome["held"] == [
        {
            "setting": "delivery_optimization.download_mode",
            "current": None,
            "desired": "lan",
            **MDM_DO_OWNER,
            "held": True,
        }
    ]
    assert (outcome["changed"], outcome["drift"], session.applied) == (False, [], [])
    assert outcome["warnings"] == [MDM_HELD]


def test_override_owner_mdm_writes_the_policy_value() -> None:
    session = FakeSession(MDM_DO)
    outcome = converge(  # type: ignore[arg-type]
        session, [do_surface()], check_mode=False, diff=False, override_owner={"delivery_optimization": {"mdm"}}
    )
    # The policy value, and the bookkeeping of the key the write creates.
    assert [(c["path"], c["name"], c["data"]) for c in session.applied[0]["changes"]] == [
        (DO_POLICY, "DODownloadMode", 1),
        (r"SOFTWARE\proxyfleet\CreatedKeys", f"64:{DO_POLICY}", "1"),
    ]
    assert outcome["warnings"][0].endswith(
        "written because override_owner names mdm, but a Group Policy value written here would override the MDM "
        "profile, which would no longer apply"
    )


def test_mdm_wins_over_gp_makes_mdm_the_owner_over_the_gpo() -> None:
    gpo_rows = {
        "op": "wmi_query",
        "status": "ok",
        "instances": [{"registryKey": DO_POLICY, "valueName": "DODownloadMode", "GPOID": GPO_ID, "precedence": 1}],
    }
    gp_and_mdm = {**MDM_DO, DO_POLICY: {"DODownloadMode": ("dword", 3)}}
    plain = converge(FakeSession(gp_and_mdm, gpo_rows, GPOS), [do_surface()], check_mode=True, diff=False)  # type: ignore[arg-type]
    assert (plain["held"][0]["owner"], plain["held"][0]["also"]) == ("group_policy", ["mdm"])
    wins = {**gp_and_mdm, PM + r"\ControlPolicyConflict": {"MDMWinsOverGP": ("dword", 1)}}
    mdm = converge(FakeSession(wins, gpo_rows, GPOS), [do_surface()], check_mode=True, diff=False)  # type: ignore[arg-type]
    held = mdm["held"][0]
    assert (held["owner"], held["also"], held["mdm_wins_over_gp"]) == ("mdm", ["group_policy"], True)
    assert mdm["warnings"][0].split("; ", 1)[1] == (
        f"HKLM\\{DO_POLICY}\\DODownloadMode is left as it is: MDMWinsOverGP is set, so Windows uses the MDM value "
        "and ignores a Group Policy value written here. To change it, change the Intune (MDM) profile that sets "
        "./Device/Vendor/MSFT/Policy/Config/DeliveryOptimization/DODownloadMode, or name mdm in override_owner to "
        "write it anyway"
    )


def test_gpp_items_of_the_registry_extension_own_their_values() -> None:
    rows = {
        "instances": [
            gpp_row(CONNECTIONS, "WinHttpSettings"),
            gpp_row(CONNECTIONS, "WinHttpSettings", precedence=2),
            gpp_row(DATA_COLLECTION, "TelemetryProxyServer", cse="{AADCED64-746C-4633-A97C-D61349046527}"),
            gpp_row(r"SOFTWARE\Other", "Foo"),
        ]
    }
    found = gpp_owners(rows)
    assert [owner.as_dict() for owner in found.values()] == [
        {
            "owner": "group_policy_preferences",
            "gpo_name": "Contoso proxy preferences",
            "gpo_id": GPO_ID,
            "key": f"HKLM\\{CONNECTIONS}",
            "value": "WinHttpSettings",
            "action": "update",
            "verified": False,
        }
    ]
    assert [owner.setting for owner in found.values()] == ["winhttp.64"]


def test_a_gpp_items_attributes_are_read_with_xml_escapes_decoded_once() -> None:
    xml = '<Registry><Properties key="A&amp;B" name="&quot;x&apos; &lt;y&gt;" value="&amp;lt;"/></Registry>'
    assert _properties(xml) == {"key": "A&B", "name": "\"x' <y>", "value": "&lt;"}
    assert _properties("<Registry/>") is None


def test_a_malformed_gpp_item_owns_nothing() -> None:
    rows = {"instances": [{**gpp_row(CONNECTIONS, "WinHttpSettings"), "polmkrBaseInstanceXml": 7}, {"x": 1}]}
    assert gpp_owners(rows) == {}


def test_a_gpp_item_of_the_32_bit_view_owns_winhttp_32() -> None:
    wow = CONNECTIONS.replace("SOFTWARE\\", "SOFTWARE\\WOW6432Node\\", 1)
    found = gpp_owners({"instances": [gpp_row(wow, "WinHttpSettings")]})
    assert [(owner.setting, owner.details["key"]) for owner in found.values()] == [("winhttp.32", f"HKLM\\{wow}")]


def test_the_32_bit_winhttp_value_a_gpp_item_writes_is_held_and_the_64_bit_one_written() -> None:
    from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surfaces import SURFACE_BUILDERS

    wow = CONNECTIONS.replace("SOFTWARE\\", "SOFTWARE\\WOW6432Node\\", 1)
    surface = SURFACE_BUILDERS["winhttp"]({"proxy": "proxy.corp.example:8080", "state": "present", "views": [64, 32]})
    session = FakeSession({}, gpp={"instances": [gpp_row(wow, "WinHttpSettings")]})
    outcome = converge(session, [surface], check_mode=True, diff=False)  # type: ignore[arg-type]
    assert {item["setting"] for item in outcome["held"]} == {"winhttp.32.access_type", "winhttp.32.proxy"}
    assert {item["setting"] for item in outcome["drift"]} == {"winhttp.64.access_type", "winhttp.64.proxy"}
    assert outcome["warnings"][0].startswith(
        "winhttp.32 is owned by a Group Policy Preferences registry item of GPO 'Contoso proxy preferences'"
    )
