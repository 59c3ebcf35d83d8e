"""proxy_baseline's option docs are the single modules' option docs, one sub-dictionary each.

``python -m tests.docgen`` prints the options block to paste into plugins/modules/proxy_baseline.py;
tests/unit/docs/test_proxy_baseline_docs.py fails when the two drift apart. proxy_baseline's own options (facts,
facts_profile, facts_users) follow the generated block in the module, written by hand.
"""

from __future__ import annotations

import importlib
import re
import typing as t

import yaml

# Surface name in proxy_baseline -> the module that documents its options.
SURFACE_MODULES = {
    "wininet": "wininet_proxy",
    "winhttp": "winhttp_proxy",
    "telemetry": "telemetry_proxy",
    "defender": "defender_proxy",
    "delivery_optimization": "delivery_optimization_policy",
}
_OPTION_REFERENCE = re.compile(r"O\(([a-z_]+)([=)])")


def module_doc(module: str) -> dict[str, t.Any]:
    """A module's documentation with the options of its doc fragments merged in, as ansible-doc shows it."""
    source = importlib.import_module(f"ansible_collections.proxyfleet.windows.plugins.modules.{module}")
    doc = t.cast(dict[str, t.Any], yaml.safe_load(source.DOCUMENTATION))
    for fragment in doc.get("extends_documentation_fragment", []):
        if not fragment.startswith("proxyfleet.windows."):
            continue  # ansible-core's attribute fragments add no options
        name = fragment.removeprefix("proxyfleet.windows.")
        fragments = importlib.import_module(f"ansible_collections.proxyfleet.windows.plugins.doc_fragments.{name}")
        fragment_doc = yaml.safe_load(fragments.ModuleDocFragment.DOCUMENTATION)
        doc["options"] = {**doc["options"], **fragment_doc.get("options", {})}
    return doc


def _rewrite(value: t.Any, surface: str) -> t.Any:
    """Point O(option) references at the sub-option: O(proxy) -> O(winhttp.proxy)."""
    if isinstance(value, str):
        return _OPTION_REFERENCE.sub(lambda match: f"O({surface}.{match.group(1)}{match.group(2)}", value)
    if isinstance(value, list):
        return [_rewrite(item, surface) for item in value]
    if isinstance(value, dict):
        return {key: _rewrite(item, surface) for key, item in value.items()}
    return value


def baseline_suboptions(surface: str) -> dict[str, t.Any]:
    return t.cast(dict[str, t.Any], _rewrite(module_doc(SURFACE_MODULES[surface])["options"], surface))


def baseline_options() -> dict[str, t.Any]:
    options = {}
    for surface, module in SURFACE_MODULES.items():
        options[surface] = {
            "description": [
                f"The options of M(proxyfleet.windows.{module}), exactly. Omit it to leave this surface alone.",
            ],
            "type": "dict",
            "suboptions": baseline_suboptions(surface),
        }
    return options


if __name__ == "__main__":
    print(yaml.safe_dump({"options": baseline_options()}, sort_keys=False, width=110, default_flow_style=False))
