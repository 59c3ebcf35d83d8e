"""Values Group Policy sets are reported with their owner and left alone unless override_gpo is set."""

from __future__ import annotations

import typing as t

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _surface_telemetry as telemetry
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._gpo import owners, rsop_operations
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface import converge

DATA_COLLECTION = r"SOFTWARE\Policies\Microsoft\Windows\DataCollection"
GPO_ID = "cn={6AC1786C-016F-11D2-945F-00C04FB984F9},cn=policies,cn=system,DC=contoso,DC=com"
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


class FakeSession:
    """Answers the read with a DataCollection key holding the GPO's proxy; records what is applied."""

    def __init__(self) -> None:
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
        assert operations[1:] == rsop_operations()
        keys = []
        for key in operations[0]["keys"]:
            values = []
            if key["path"] == DATA_COLLECTION:
                values = [{"name": "TelemetryProxyServer", "type": "string", "data": "10.0.0.9:3128"}]
            keys.append({**key, "exists": bool(values), "values": values, "subkeys": []})
        return [{"op": "read", "status": "ok", "keys": keys}, SETTINGS, GPOS]


def surface() -> t.Any:
    return telemetry.surface_from_options({"proxy": "proxy.corp.example:8080", "state": "present"})


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


def test_a_gpo_value_is_reported_with_its_owner_and_not_written() -> None:
    session = FakeSession()
    outcome = converge(session, [surface()], check_mode=False, diff=False)  # type: ignore[arg-type]
    result = outcome["surfaces"]["telemetry"]
    assert result["drift"][0] == {
        "setting": "telemetry.proxy",
        "current": "10.0.0.9:3128",
        "desired": "proxy.corp.example:8080",
        "owner": {"gpo_name": "Contoso MDE proxy", "gpo_id": GPO_ID},
    }
    # DisableEnterpriseAuthProxy is not owned (its GPO lost), so it alone is written.
    assert [change["name"] for change in session.applied[0]["changes"]] == ["DisableEnterpriseAuthProxy"]
    assert outcome["warnings"] == [
        f"HKLM\\{DATA_COLLECTION}\\TelemetryProxyServer is set by Group Policy 'Contoso MDE proxy' ({GPO_ID}); "
        "left as it is: the next policy refresh would revert it (override_gpo writes it anyway)"
    ]


def test_override_gpo_writes_it_with_a_warning() -> None:
    session = FakeSession()
    outcome = converge(session, [surface()], check_mode=False, diff=False, override_gpo={"telemetry"})  # type: ignore[arg-type]
    assert [change["name"] for change in session.applied[0]["changes"]] == [
        "TelemetryProxyServer",
        "DisableEnterpriseAuthProxy",
    ]
    assert outcome["warnings"] == [
        f"HKLM\\{DATA_COLLECTION}\\TelemetryProxyServer is set by Group Policy 'Contoso MDE proxy' ({GPO_ID}); "
        "written because override_gpo is true, but the next policy refresh reverts it"
    ]
