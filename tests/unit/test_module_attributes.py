"""Module attributes as ansible-core defines them, and action groups documented as meta/runtime.yml makes them."""

from __future__ import annotations

import importlib
import typing as t
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1].parent
MODULES = sorted(path.stem for path in (REPO_ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__")
CORE_FRAGMENTS = [
    "ansible.builtin.action_common_attributes",
    "ansible.builtin.action_common_attributes.actiongroups",
    "ansible.builtin.action_common_attributes.conn",
    "ansible.builtin.action_common_attributes.flow",
]
# Attribute -> the support every module of this collection declares (None: the module decides).
EXPECTED_SUPPORT = {
    "action": "full",
    "async": "none",
    "become": "none",
    "bypass_host_loop": "none",
    "check_mode": None,
    "diff_mode": None,
    "idempotent": None,
    "platform": "full",
    "connection": "full",
    "delegation": "full",
    "action_group": None,
}


def documentation(module: str) -> dict[str, t.Any]:
    source = importlib.import_module(f"ansible_collections.proxyfleet.windows.plugins.modules.{module}")
    return t.cast(dict[str, t.Any], yaml.safe_load(source.DOCUMENTATION))


def attributes(module: str) -> dict[str, dict[str, t.Any]]:
    """The module's attributes with this collection's fragments merged in as ansible-doc merges them."""
    doc = documentation(module)
    merged: dict[str, dict[str, t.Any]] = {}
    for fragment in doc.get("extends_documentation_fragment", []):
        if fragment.startswith("proxyfleet.windows."):
            name = fragment.removeprefix("proxyfleet.windows.")
            loaded = importlib.import_module(f"ansible_collections.proxyfleet.windows.plugins.doc_fragments.{name}")
            for key, value in yaml.safe_load(loaded.ModuleDocFragment.DOCUMENTATION).get("attributes", {}).items():
                merged[key] = {**merged.get(key, {}), **value}
    for key, value in doc.get("attributes", {}).items():
        merged[key] = {**merged.get(key, {}), **value}
    return merged


def test_doc_fragments_are_private() -> None:
    names = [path.name for path in (REPO_ROOT / "plugins" / "doc_fragments").glob("*.py") if path.name != "__init__.py"]
    assert names and all(name.startswith("_") for name in names), names


# Modules that run on the controller only (no host, no connection): they differ where that shows.
CONTROLLER_ONLY = {"compliance_merge": {"connection": "none", "delegation": "none", "platform": "full"}}


@pytest.mark.parametrize("module", MODULES)
def test_attributes_as_ansible_core_defines_them(module: str) -> None:
    fragments = documentation(module)["extends_documentation_fragment"]
    assert [name for name in fragments if name.startswith("ansible.")][:4] == CORE_FRAGMENTS
    declared = attributes(module)
    # proxy_facts sets facts; proxy_baseline does with facts=true (issue 20), so it declares partial support.
    facts = {"facts"} if module in ("proxy_facts", "proxy_baseline") else set()
    assert set(declared) == set(EXPECTED_SUPPORT) | facts
    if module == "proxy_baseline":
        assert declared["facts"]["support"] == "partial"
    expected = {**EXPECTED_SUPPORT, **CONTROLLER_ONLY.get(module, {})}
    for name, support in expected.items():
        assert declared[name]["support"] in ("full", "partial", "none"), (module, name)
        if support is not None:
            assert declared[name]["support"] == support, (module, name)
    assert declared["platform"]["platforms"] == ("posix" if module in CONTROLLER_ONLY else "windows")


def test_action_group_membership_is_meta_runtime() -> None:
    runtime = yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    groups: dict[str, set[str]] = {module: set() for module in MODULES}
    for group, members in runtime["action_groups"].items():
        for member in members:
            groups[member].add(f"proxyfleet.windows.{group}")
    documented = {module: set(attributes(module)["action_group"]["membership"]) for module in MODULES}
    assert documented == groups
    for module in MODULES:
        assert attributes(module)["action_group"]["support"] == ("full" if groups[module] else "none"), module


# The options each group's members share, as docs/action-groups.md lists them.
SHARED_OPTIONS = {
    "surfaces": {"state", "override_gpo", "override_owner"},
    "system_proxy": {"proxy", "bypass", "state", "views", "override_gpo", "override_owner"},
}


def test_every_group_member_accepts_the_shared_options() -> None:
    runtime = yaml.safe_load((REPO_ROOT / "meta" / "runtime.yml").read_text(encoding="utf-8"))
    assert set(runtime["action_groups"]) == set(SHARED_OPTIONS)
    for group, members in runtime["action_groups"].items():
        specs = [
            set(importlib.import_module(f"ansible_collections.proxyfleet.windows.plugins.modules.{m}").ARGUMENT_SPEC)
            for m in members
        ]
        assert set.intersection(*specs) == SHARED_OPTIONS[group], group
