"""proxy_baseline takes exactly the single modules' options: one spec, and docs that match it."""

from __future__ import annotations

import yaml

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_baseline import (
    FACTS_OPTIONS_SPEC,
    ROLE_OPTION_SPEC,
)
from ansible_collections.proxyfleet.windows.plugins.modules import proxy_baseline
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surfaces import SURFACE_BUILDERS
from tests.docgen import SURFACE_MODULES, baseline_options, module_doc


def test_every_surface_is_a_sub_dictionary_with_its_modules_spec() -> None:
    # The surfaces first, in planning order; then proxy_baseline's own options (facts, role), documented by hand.
    surfaces = list(proxy_baseline.ARGUMENT_SPEC)[: len(SURFACE_MODULES)]
    assert surfaces == list(SURFACE_BUILDERS) == list(SURFACE_MODULES)
    assert list(proxy_baseline.ARGUMENT_SPEC)[len(SURFACE_MODULES) :] == [*FACTS_OPTIONS_SPEC, *ROLE_OPTION_SPEC]
    for surface, module in SURFACE_MODULES.items():
        single = __import__(
            f"ansible_collections.proxyfleet.windows.plugins.modules.{module}", fromlist=["ARGUMENT_SPEC"]
        )
        assert proxy_baseline.ARGUMENT_SPEC[surface] == {"type": "dict", "options": single.ARGUMENT_SPEC}
        # The very same object: one spec, defined once.
        assert proxy_baseline.ARGUMENT_SPEC[surface]["options"] is single.ARGUMENT_SPEC


def test_documented_sub_options_are_the_modules_options() -> None:
    documented = yaml.safe_load(proxy_baseline.DOCUMENTATION)["options"]
    own = {**FACTS_OPTIONS_SPEC, **ROLE_OPTION_SPEC}
    generated = {name: option for name, option in documented.items() if name not in own}
    assert generated == baseline_options(), "regenerate with: python -m tests.docgen"


def test_the_facts_and_role_options_are_documented_as_specified() -> None:
    documented = yaml.safe_load(proxy_baseline.DOCUMENTATION)["options"]
    for name, spec in {**FACTS_OPTIONS_SPEC, **ROLE_OPTION_SPEC}.items():
        assert {key: documented[name].get(key) for key in spec} == spec, name
        assert documented[name]["description"], name


def test_every_single_module_documents_every_option_of_its_spec() -> None:
    for module in SURFACE_MODULES.values():
        single = __import__(
            f"ansible_collections.proxyfleet.windows.plugins.modules.{module}", fromlist=["ARGUMENT_SPEC"]
        )
        assert set(module_doc(module)["options"]) == set(single.ARGUMENT_SPEC), module
