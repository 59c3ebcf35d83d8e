"""Every key a module really returns is in its RETURN documentation, recursively, and the other way round.

Each module runs in-process (tests/inprocess.py: the real action plugin, the simulated host's agent twin)
in scenarios that reach its result keys; the keys of every result are compared with RETURN, through
``contains`` for dictionaries and lists of dictionaries. A documented key the scenarios never return
fails too, unless RETURN says it is returned only in some cases (``returned`` other than ``always``).

Registry views key some dictionaries (``before['64']``). ansible-test refuses such keys in ``contains``
(Jinja cannot reach them with a dot), so RETURN shows each view in the entry's ``sample``, every key
included; the test compares each returned view with the sample's, recursively, ``error`` allowed.
"""

from __future__ import annotations

import importlib
import tempfile
import typing as t
from pathlib import Path

import pytest
import yaml

from tests import configmgr_hosts, endpoint_fleet
from tests.inprocess import InProcessHost

# Keys every Ansible result may carry, documented by Ansible's common return values, not by modules.
COMMON_KEYS = {"changed", "failed", "msg", "diff", "warnings", "deprecations", "skipped", "invocation"}
# Dictionaries whose keys are data, not names a user codes against: RETURN describes them in words.
FREE_FORM = {
    # The registry value names and data a finding rule looked at; they differ per rule (docs/findings.md).
    "findings[].evidence",
    # The owner of each setting, by setting id (docs/owners.md); the ids are the surfaces' settings.
    "owners",
    "ansible_facts.windows_proxy.owners",
    *(
        f"surfaces.{surface}.owners"
        for surface in ("wininet", "winhttp", "telemetry", "defender", "delivery_optimization")
    ),
    "ansible_facts.windows_proxy.findings[].evidence",
    # Interactive session id -> session name, as many as the user has.
    "ansible_facts.windows_proxy.users[].sessions",
    # compliance_merge returns parts of the merged compliance.json; their shape is that document's versioned JSON
    # schema (docs/schemas/compliance-report-4.schema.json), which test_report_merge validates every report against.
    "totals",
    "surfaces",
    "trend",
    "summary",
}

Scenario = t.Callable[[], list[dict[str, t.Any]]]


def _ok(host: InProcessHost, module: str, args: dict[str, t.Any], **kwargs: t.Any) -> dict[str, t.Any]:
    run = host.run(module, args, **kwargs)
    assert run.error is None and run.result is not None, run.error
    assert not run.result.get("failed"), run.result
    return run.result


def _surface(module: str, args: dict[str, t.Any], fixture: str = "clean-host") -> Scenario:
    def scenario() -> list[dict[str, t.Any]]:
        host = InProcessHost.from_fixture(fixture)
        check = _ok(host, module, args, check_mode=True, diff=True)
        apply = _ok(host, module, args, diff=True)
        again = _ok(host, module, args)
        return [check, apply, again]

    return scenario


def _gpo_telemetry() -> list[dict[str, t.Any]]:
    host = InProcessHost.from_fixture("win11-gpo-telemetry")
    return [_ok(host, "telemetry_proxy", {"proxy": "proxy.corp.example:8080"}, diff=True)]


def _facts() -> list[dict[str, t.Any]]:
    return [
        _ok(InProcessHost.from_fixture(name), "proxy_facts", {})
        for name in ("win11-gpo-telemetry", "win11-peruser", "srv2019-compliant")
    ]


def _network_proxy(module: str, args: dict[str, t.Any]) -> Scenario:
    """The WinINET results on the host whose device-wide proxy an MDM server's Network Proxy CSP owns (held)."""

    def scenario() -> list[dict[str, t.Any]]:
        from tests.unit.test_owner_hosts import host

        results = _surface(module, args)()
        results.append(_ok(host("owner-mdm-network-proxy"), module, args, check_mode=True))
        return results

    return scenario


def _restore() -> list[dict[str, t.Any]]:
    host = InProcessHost.from_fixture("clean-host")
    written = _ok(host, "winhttp_proxy", {"proxy": "proxy.corp.example:8080"})
    listed = _ok(host, "proxy_restore", {"list_only": True})
    check = _ok(host, "proxy_restore", {"backup_id": written["backup_id"]}, check_mode=True, diff=True)
    restored = _ok(host, "proxy_restore", {"backup_id": written["backup_id"]}, diff=True)
    return [listed, check, restored]


def _restart() -> list[dict[str, t.Any]]:
    host = InProcessHost.from_fixture("clean-host")
    return [_ok(host, "restart_service", {"name": ["DoSvc", "NoSuchService"]})]


def _configmgr(name: str) -> InProcessHost:
    registry, facts = configmgr_hosts.hosts()[name]
    return InProcessHost(registry, name, facts)


def _configmgr_site() -> list[dict[str, t.Any]]:
    host = _configmgr("cm01")
    args = {
        "proxy_server": "proxy.contoso.com",
        "port": 8080,
        "account": "CONTOSO\\svc-cmproxy",
        "software_update_point": {"use_proxy": True, "use_proxy_for_adr": True},
    }
    return [_ok(host, "configmgr_proxy", args, check_mode=True, diff=True), _ok(host, "configmgr_proxy", args)]


def _configmgr_console() -> list[dict[str, t.Any]]:
    host = _configmgr("ws01")
    check = _ok(host, "configmgr_console_proxy", {}, check_mode=True, diff=True)
    apply = _ok(host, "configmgr_console_proxy", {}, diff=True)
    missing = _ok(_configmgr("srv01"), "configmgr_console_proxy", {"ignore_missing": True})
    return [check, apply, missing]


def _endpoints() -> list[dict[str, t.Any]]:
    registry, network = endpoint_fleet.HOSTS[endpoint_fleet.INSPECTED]
    host = InProcessHost(registry(), endpoint_fleet.INSPECTED, {"network": network})
    effective = _ok(host, "proxy_endpoint_check", {})
    direct = _ok(host, "proxy_endpoint_check", {"urls": ["https://unreachable.corp.example/"], "via": ["direct"]})
    # Issue 15: a proxy that answers 407 on every route, so the results explain who cannot authenticate.
    registry, network = endpoint_fleet.AUTH_HOSTS[endpoint_fleet.AUTHENTICATING]
    auth_host = InProcessHost(registry(), endpoint_fleet.AUTHENTICATING, {"network": network})
    refused = _ok(auth_host, "proxy_endpoint_check", {"urls": ["delivery_optimization", "defender_endpoint"]})
    return [effective, direct, refused]


BASELINE = {
    "wininet": {"proxy": "proxy.corp.example:8080"},
    "winhttp": {"source": "wininet"},
    "telemetry": {"proxy": "proxy.corp.example:8080"},
    "defender": {"proxy_server": "http://proxy.corp.example:8080"},
    "delivery_optimization": {"download_mode": "lan"},
}


def _merge() -> list[dict[str, t.Any]]:
    # Two slices and an earlier run, so the result carries every key (trend included).
    from tests.unit.plugins.plugin_utils.test_report_merge import fleet, write

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        slices = [
            write(root / "s0" / "compliance.json", fleet({"a": "ok", "b": "drift+finding"})),
            write(root / "s1" / "compliance.json", fleet({"c": "down", "d": "none"})),
        ]
        previous = write(root / "previous.json", fleet({"a": "drift", "b": "ok", "c": "ok"}))
        host = InProcessHost.from_fixture("clean-host")
        args = {"src": slices, "dest": str(root / "fleet"), "previous": previous}
        return [_ok(host, "compliance_merge", args), _ok(host, "compliance_merge", args, check_mode=True)]


def _baseline() -> list[dict[str, t.Any]]:
    # Without facts (check, apply, again) and with them, on a host with signed-in users and one with GPOs.
    results = _network_proxy("proxy_baseline", BASELINE)()
    for fixture in ("win11-peruser", "win11-gpo-telemetry"):
        host = InProcessHost.from_fixture(fixture)
        results.append(_ok(host, "proxy_baseline", {**BASELINE, "facts": True}, check_mode=True))
        results.append(_ok(host, "proxy_baseline", {**BASELINE, "facts": True}))
    return results


SCENARIOS: dict[str, Scenario] = {
    "compliance_merge": _merge,
    "winhttp_proxy": _surface("winhttp_proxy", {"proxy": "proxy.corp.example:8080", "bypass": ["<local>"]}),
    "wininet_proxy": _network_proxy("wininet_proxy", {"proxy": "proxy.corp.example:8080", "bypass": ["<local>"]}),
    "telemetry_proxy": _gpo_telemetry,
    "defender_proxy": _surface("defender_proxy", {"proxy_server": "http://proxy.corp.example:8080"}),
    "delivery_optimization_policy": _surface("delivery_optimization_policy", {"download_mode": "lan"}),
    "proxy_baseline": _baseline,
    "proxy_facts": _facts,
    "proxy_restore": _restore,
    "restart_service": _restart,
    "configmgr_proxy": _configmgr_site,
    "configmgr_console_proxy": _configmgr_console,
    "proxy_endpoint_check": _endpoints,
}


def return_doc(module: str) -> dict[str, t.Any]:
    source = importlib.import_module(f"ansible_collections.proxyfleet.windows.plugins.modules.{module}")
    return t.cast(dict[str, t.Any], yaml.safe_load(source.RETURN))


def _values_at(results: list[t.Any], key: str) -> list[t.Any]:
    return [result[key] for result in results if isinstance(result, dict) and key in result]


def mismatches(docs: dict[str, t.Any], results: list[t.Any], path: str = "", top: bool = True) -> list[str]:
    """What differs between the documented keys and the keys of the results, as readable lines."""
    problems: list[str] = []
    seen = {key for result in results if isinstance(result, dict) for key in result}
    for key in sorted(seen - set(docs) - (COMMON_KEYS if top else set())):
        problems.append(f"{path}{key}: returned but not documented")
    for key, doc in docs.items():
        values = _values_at(results, key)
        where = f"{path}{key}"
        if not values:
            if doc.get("returned", "always") == "always" and results:
                problems.append(f"{where}: documented as returned always, never returned")
            continue
        problems += _mismatches_of_value(doc, values, where)
    return problems


VIEWS = ("64", "32")


def _view_mismatches(sample: t.Any, values: list[t.Any], where: str) -> list[str]:
    """Each returned view against the sample's: the same keys (``error`` allowed), nested dicts alike."""
    if not isinstance(sample, dict):
        return [f"{where}: returned, but its sample shows no such view"]
    problems: list[str] = []
    for value in values:
        for key in sorted(set(value) - set(sample) - {"error"}):
            problems.append(f"{where}.{key}: returned but not in the sample")
        for key in sorted(set(sample) - set(value)):
            problems.append(f"{where}.{key}: in the sample, not returned")
    for key, shown in sample.items():
        nested = [value[key] for value in values if isinstance(value.get(key), dict)]
        if isinstance(shown, dict) and nested:
            problems += _view_mismatches(shown, nested, f"{where}.{key}")
    return problems


def _mismatches_of_value(doc: dict[str, t.Any], values: list[t.Any], where: str) -> list[str]:
    kind = doc.get("type")
    if kind == "dict":
        dicts = [value for value in values if isinstance(value, dict)]
        problems: list[str] = []
        views = {view for value in dicts for view in value if view in VIEWS}
        for view in sorted(views):
            sample = (doc.get("sample") or {}).get(view)
            returned = [value[view] for value in dicts if view in value]
            problems += _view_mismatches(sample, returned, f"{where}['{view}']")
        named = [{key: item for key, item in value.items() if key not in VIEWS} for value in dicts]
        if "contains" in doc:
            return problems + mismatches(doc["contains"], named, f"{where}.", top=False)
        if where not in FREE_FORM and any(named):
            return [*problems, f"{where}: a dict without contains"]
        return problems
    if kind == "list" and doc.get("elements") == "dict":
        items = [item for value in values if isinstance(value, list) for item in value if isinstance(item, dict)]
        if "contains" in doc:
            return mismatches(doc["contains"], items, f"{where}[].", top=False)
        if f"{where}[]" not in FREE_FORM and items:
            return [f"{where}: a list of dicts without contains"]
    return []


@pytest.mark.parametrize("module", sorted(SCENARIOS))
def test_return_docs_match_the_results(module: str) -> None:
    assert mismatches(return_doc(module), SCENARIOS[module]()) == []


def test_every_module_has_a_scenario() -> None:
    modules = Path(__file__).resolve().parents[4] / "plugins" / "modules"
    assert sorted(path.stem for path in modules.glob("*.py") if path.stem != "__init__") == sorted(SCENARIOS)


def test_proxy_baseline_documents_the_facts_as_proxy_facts_does() -> None:
    # proxy_baseline(facts=true) returns proxy_facts' keys: the copied RETURN entries may differ only in when.
    baseline, facts = return_doc("proxy_baseline"), return_doc("proxy_facts")
    # proxy_facts' options are proxy_baseline's facts_users; its facts always hold gpo (the RSoP is read anyway).
    renamed = {"O(users=false)": "O(facts_users=false)", "when O(group_policy=true)": "always (with the facts)"}
    for key in ("ansible_facts", "findings"):
        assert baseline[key]["returned"] == "when O(facts=true)"
        mine = {name: value for name, value in baseline[key].items() if name not in ("returned", "description")}
        theirs = {name: value for name, value in facts[key].items() if name not in ("returned", "description")}
        text = yaml.safe_dump(theirs)
        for old, new in renamed.items():
            text = text.replace(old, new)
        assert mine == yaml.safe_load(text), key


def test_proxy_baseline_return_has_no_duplicate_keys() -> None:
    # YAML keeps the last of two equal keys silently; ansible-doc warns. The facts' entries are copied in by hand.
    source = importlib.import_module("ansible_collections.proxyfleet.windows.plugins.modules.proxy_baseline")
    top = [line.split(":")[0] for line in source.RETURN.splitlines() if line and not line.startswith(" ")]
    assert len(top) == len(set(top)), top
