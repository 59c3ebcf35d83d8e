"""Every text and list option documents its bound, and the documented number is the one the code enforces.

Issue 17 item 3: each option has a documented bound matching what Windows accepts, checked before any host
command (docs/robustness.md#sizes). The enforcement is tested in tests/unit/test_hostile_input.py
(SIZE_CASES); this test ties the option descriptions to the constants that enforcement uses, so a bound
changed in the code without its docs (or the other way round) fails here.
"""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import pytest

from ansible_collections.proxyfleet.windows.plugins.action.compliance_merge import MAX_PATH, MAX_TITLE
from ansible_collections.proxyfleet.windows.plugins.action.restart_service import MAX_SERVICE_NAME
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._configmgr_site import MAX_ACCOUNT
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._proxy_syntax import (
    MAX_BYPASS_ENTRY,
    MAX_HOST_NAME,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_merge import MAX_SLICES
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._restore import MAX_BACKUP_ID
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import MAX_LIST, MAX_TEXT
from tests.docgen import SURFACE_MODULES, module_doc

MODULES = sorted(path.stem for path in (Path(__file__).parents[3] / "plugins" / "modules").glob("[a-z]*.py"))
# "At most 1,000 entries of at most 1,024 characters", "a host name at most 253 characters".
_BOUND = re.compile(r"\b[Aa]t most ([0-9][0-9,]*) (characters|entries)\b")

Bounds = set[tuple[int, str]]
HOST_PORT: Bounds = {(MAX_TEXT, "characters"), (MAX_HOST_NAME, "characters")}
BYPASS: Bounds = {(MAX_LIST, "entries"), (MAX_BYPASS_ENTRY, "characters")}
URL: Bounds = {(MAX_TEXT, "characters")}
AUTHENTICATING: Bounds = {(MAX_LIST, "entries"), (MAX_HOST_NAME, "characters")}

# Option -> the bounds its description states: the constants the controller checks them against.
EXPECTED: dict[str, Bounds] = {
    "compliance_merge.src": {(MAX_SLICES, "entries"), (MAX_PATH, "characters")},
    "compliance_merge.dest": {(MAX_PATH, "characters")},
    "compliance_merge.previous": {(MAX_PATH, "characters")},
    "compliance_merge.title": {(MAX_TITLE, "characters")},
    "configmgr_console_proxy.path": {(MAX_TEXT, "characters")},
    "configmgr_proxy.server": {(MAX_HOST_NAME, "characters")},
    "configmgr_proxy.proxy_server": {(MAX_HOST_NAME, "characters")},
    "configmgr_proxy.account": {(MAX_ACCOUNT, "characters")},
    "defender_proxy.proxy_server": URL,
    "defender_proxy.pac_url": URL,
    "defender_proxy.bypass": BYPASS,
    "delivery_optimization_policy.cache_hosts": {(MAX_LIST, "entries"), (MAX_HOST_NAME, "characters")},
    "proxy_endpoint_check.urls": {(MAX_LIST, "entries"), (MAX_TEXT, "characters")},
    "proxy_endpoint_check.proxy": HOST_PORT,
    "proxy_endpoint_check.authenticating_proxies": AUTHENTICATING,
    "proxy_facts.authenticating_proxies": AUTHENTICATING,
    "proxy_baseline.authenticating_proxies": AUTHENTICATING,
    "proxy_restore.backup_id": {(MAX_BACKUP_ID, "characters")},
    "restart_service.name": {(MAX_LIST, "entries"), (MAX_SERVICE_NAME, "characters")},
    "telemetry_proxy.proxy": HOST_PORT,
    "winhttp_proxy.proxy": HOST_PORT,
    "winhttp_proxy.bypass": BYPASS,
    "wininet_proxy.proxy": HOST_PORT,
    "wininet_proxy.bypass": BYPASS,
    "wininet_proxy.auto_config_url": URL,
}
# Options whose accepted values are a fixed form, not a length: the description must state the form.
FIXED_FORM = {
    "compliance_merge.report_mode": "an octal string",
    "configmgr_proxy.site_code": "three letters or digits",
    "delivery_optimization_policy.group_id": "a GUID",
    "delivery_optimization_policy.download_mode": "by name or by the policy's number",
}


def _bounded_options(module: str) -> dict[str, dict[str, t.Any]]:
    """Text and list options of a module, without those limited to choices; proxy_baseline's by surface."""
    found: dict[str, dict[str, t.Any]] = {}
    for name, option in module_doc(module)["options"].items():
        if module == "proxy_baseline" and name in SURFACE_MODULES:
            single = SURFACE_MODULES[name]
            found |= {f"{single}.{sub}": spec for sub, spec in option["suboptions"].items() if _needs_bound(spec)}
        elif _needs_bound(option):
            found[f"{module}.{name}"] = option
    return found


def _needs_bound(option: dict[str, t.Any]) -> bool:
    kind = option.get("type", "str")
    if option.get("choices"):
        return False
    if kind == "list":
        return option.get("elements", "str") in ("str", "raw")
    return kind in ("str", "raw", "path")


def _description(option: dict[str, t.Any]) -> str:
    text = option["description"]
    return " ".join(text) if isinstance(text, list) else str(text)


def _documented_bounds(option: dict[str, t.Any]) -> Bounds:
    return {(int(number.replace(",", "")), unit) for number, unit in _BOUND.findall(_description(option))}


@pytest.mark.parametrize("module", MODULES)
def test_every_text_and_list_option_documents_the_enforced_bound(module: str) -> None:
    for name, option in _bounded_options(module).items():
        if name in FIXED_FORM:
            assert FIXED_FORM[name] in _description(option), name
            assert not _documented_bounds(option), name
            continue
        assert name in EXPECTED, f"{name}: a text or list option without a bound in this test's table"
        assert _documented_bounds(option) == EXPECTED[name], name


def test_every_bound_in_the_table_belongs_to_a_documented_option() -> None:
    documented = {name for module in MODULES for name in _bounded_options(module)}
    assert set(EXPECTED) | set(FIXED_FORM) == documented


def test_the_bounds_are_the_ones_docs_robustness_publishes() -> None:
    # The figures the Sizes table of docs/robustness.md gives, so the docs, the table and the code agree.
    assert (MAX_TEXT, MAX_HOST_NAME, MAX_LIST, MAX_BYPASS_ENTRY) == (2083, 253, 1000, 1024)
    assert (MAX_SERVICE_NAME, MAX_ACCOUNT, MAX_BACKUP_ID) == (256, 256, 64)
