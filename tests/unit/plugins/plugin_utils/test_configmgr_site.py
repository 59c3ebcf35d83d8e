"""The site system proxy: options, the embedded-property model and the plan."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _configmgr_site as site
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import ProxyInputError
from tests import configmgr_hosts as cm

SERVER = "cm01.contoso.com"


def read_result(*instances: dict[str, t.Any]) -> dict[str, t.Any]:
    return {
        "site_code": "PS1",
        "server": SERVER,
        "instances": [{"role": i["role"], "props": i["props"]} for i in instances],
    }


def data(*, use_proxy: int = 0, sup: bool = True) -> site.ServerData:
    instances = [cm.site_system("PS1", SERVER, use_proxy=use_proxy, proxy="p.contoso.com" if use_proxy else "")]
    if sup:
        instances.append(cm.software_update_point("PS1", SERVER))
    return site.ServerData.from_read(read_result(*instances))


def options(**args: t.Any) -> site.Desired:
    return site.desired_from_options({"port": 80, "state": "present", **args})


def test_view_of_a_server_without_proxy() -> None:
    assert data().view() == {
        "site_code": "PS1", "server": SERVER, "use_proxy": False, "proxy_server": None, "port": 80, "account": None,
        "software_update_point": {"use_proxy": False, "use_proxy_for_adr": False},
    }  # fmt: skip


def test_missing_properties_take_their_defaults() -> None:
    bare = site.ServerData.from_read(read_result({"role": "SMS Site System", "props": []}))
    assert (
        bare.view()["port"] == 80 and bare.view()["use_proxy"] is False and bare.view()["software_update_point"] is None
    )


def test_plan_sets_only_what_differs_with_preconditions_for_all() -> None:
    changes = site.write_changes(data(), site.planned_props(options(proxy_server="proxy.contoso.com"), data()))
    assert [(c["name"], c["set"]) for c in changes] == [
        ("UseProxy", {"value": 1, "value1": "", "value2": ""}),
        ("ProxyName", {"value": 0, "value1": "", "value2": "proxy.contoso.com"}),
        ("ProxyServerPort", None),
        ("ProxyUserName", None),
        ("AnonymousProxyAccess", None),
    ]
    assert all(c["expect"]["exists"] for c in changes)


def test_compliant_server_needs_no_write() -> None:
    desired = options(proxy_server="P.CONTOSO.COM")
    assert site.write_changes(data(use_proxy=1), site.planned_props(desired, data(use_proxy=1))) == []


def test_missing_property_is_added_with_exists_false_precondition() -> None:
    bare = site.ServerData.from_read(read_result({"role": "SMS Site System", "props": []}))
    changes = site.write_changes(bare, site.planned_props(options(proxy_server="p.contoso.com", port=8080), bare))
    assert changes[0] == {
        "role": "SMS Site System", "name": "UseProxy", "expect": {"exists": False},
        "set": {"value": 1, "value1": "", "value2": ""},
    }  # fmt: skip
    assert site.planned_data(bare, changes).view()["port"] == 8080


def test_account_turns_anonymous_access_off() -> None:
    changes = site.write_changes(data(), site.planned_props(options(proxy_server="p", account="CONTOSO\\svc"), data()))
    sets = {c["name"]: c["set"] for c in changes if c["set"]}
    assert sets["ProxyUserName"]["value2"] == "CONTOSO\\svc" and sets["AnonymousProxyAccess"]["value"] == 0


def test_sup_flags_alone_check_the_site_proxy_they_rely_on() -> None:
    on = data(use_proxy=1)
    plan = site.planned_props(options(software_update_point={"use_proxy": True}), on)
    assert plan == [
        site.PlannedProp("SMS Site System", "UseProxy", None),
        site.PlannedProp("SMS Software Update Point", "UseProxy", 1),
    ]


def test_turning_the_site_proxy_off_clears_sup_flags() -> None:
    on = data(use_proxy=1)
    plan = site.planned_props(options(use_proxy=False), on)
    assert site.PlannedProp("SMS Software Update Point", "UseProxy", 0) in plan


def test_sup_flags_refused_after_read_when_the_site_has_no_proxy() -> None:
    with pytest.raises(ProxyInputError) as error:
        site.planned_props(options(software_update_point={"use_proxy_for_adr": True}), data())
    assert str(error.value) == site.SUP_NEEDS_PROXY + f"; {SERVER} (site PS1) has none"


def test_sup_flags_on_a_server_without_sup() -> None:
    with pytest.raises(ProxyInputError, match="has no software update point"):
        site.planned_props(options(proxy_server="p", software_update_point={"use_proxy": True}), data(sup=False))


def test_not_a_site_system_server() -> None:
    empty = site.ServerData.from_read(read_result())
    with pytest.raises(ProxyInputError, match=r"^cm01.contoso.com is not a site system server of site PS1"):
        site.planned_props(options(proxy_server="p"), empty)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"site_code": "PS12"}, "site_code must be three letters or digits, such as PS1; got 'PS12'"),
        ({"server": "cm 01"}, "server must be the site system server's host name or FQDN"),
        ({"proxy_server": "proxy:8080"}, "proxy_server must be a host name, FQDN, IPv4 or IPv6 address"),
        (
            {"proxy_server": "p", "port": 70000},
            "port must be 1-65535 (a number: write port: 8080, not yes or true); got 70000",
        ),
        ({"proxy_server": "p", "account": "svc@contoso.com"}, "account must be an existing ConfigMgr account"),
        ({"use_proxy": True}, "proxy_server is required when use_proxy is true"),
        ({"state": "absent", "proxy_server": "p"}, "state=absent turns the site system proxy off; it cannot be"),
        ({"use_proxy": False, "software_update_point": {"use_proxy": True}}, site.SUP_NEEDS_PROXY),
        ({"state": "absent", "software_update_point": {"use_proxy_for_adr": True}}, site.SUP_NEEDS_PROXY),
    ],
)
def test_bad_options(args: dict[str, t.Any], message: str) -> None:
    with pytest.raises(ProxyInputError) as error:
        options(**args)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("host", ["proxy.contoso.com", "10.0.0.5", "fd00::1", "[fd00::1]", "proxy"])
def test_proxy_server_forms(host: str) -> None:
    assert options(proxy_server=host).proxy_server == host


def test_conflict_message_names_the_property() -> None:
    changes = [{"role": "SMS Site System", "name": "ProxyName", "expect": {"exists": False}, "set": None}]
    failed = {"server": SERVER, "site_code": "PS1", "failed": [{"index": 0, "role": "SMS Site System",
              "name": "ProxyName", "current": None}]}  # fmt: skip
    assert "Changed: SMS Site System ProxyName: read missing, now role instance missing." in site.conflict_message(
        failed, changes
    )


def test_drift_lists_only_differences() -> None:
    before = data().view()
    after = {**before, "port": 8080}
    assert site.drift(before, after) == [{"setting": "site_system.port", "current": 80, "desired": 8080}]
