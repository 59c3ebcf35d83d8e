"""drift never lists a setting whose current and desired values read the same, on any surface.

Every surface runs against every fixture host (the realistic fleet and the real-value hosts) with a
spread of desired states; each drift entry must show a difference. converge() also drops any entry
that does not (reads_differently), which a fake surface shows here.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._registry import (
    KeyAddress,
    RegistrySnapshot,
    read_operation,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surface import reads_differently
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._surfaces import SURFACE_BUILDERS
from tests.winsim.agent_twin import load_protocol, run_request
from tests.winsim.registry import Registry

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"
HOST_FILES = sorted([*(FIXTURES / "hosts").glob("*.reg"), *(FIXTURES / "real-hosts").glob("*.reg")])
BYPASS = ["<local>", "*.corp.example"]
VIEWS = {"views": [64, 32]}
OPTIONS: dict[str, list[dict[str, t.Any]]] = {
    "wininet": [
        {"proxy": "proxy.corp.example:8080", "bypass": BYPASS},
        {"proxy": "Proxy.Corp.Example", "bypass": BYPASS[::-1]},
        {"auto_detect": True},
        {"auto_detect": True, "clear_disabled": True},
        {"auto_config_url": "http://proxy.corp.example/proxy.pac", "clear_disabled": True},
        {"state": "absent"},
        {"state": "absent", "clear_disabled": True},
        {"proxy": ""},
    ],
    "winhttp": [
        {"proxy": "proxy.corp.example:8080", "bypass": BYPASS},
        {"proxy": "http=localhost:8080;https=localhost:8443"},
        {"state": "absent"},
        {"source": "ie"},
    ],
    "telemetry": [{"proxy": "proxy.corp.example:8080"}, {"state": "absent"}],
    "defender": [{"proxy_server": "http://proxy.corp.example:8080", "bypass": BYPASS}, {"state": "absent"}],
    "delivery_optimization": [{"download_mode": "lan"}, {"download_mode": "group", "group_id_source": "ad_site"}],
}
DEFAULTS: dict[str, dict[str, t.Any]] = {
    "wininet": {"auto_detect": False, "per_machine": True, "state": "present", "clear_disabled": False},
    "winhttp": {"state": "present"},
    "telemetry": {"state": "present"},
    "defender": {"state": "present"},
    "delivery_optimization": {"state": "present"},
}
CASES = [(surface, options) for surface, many in OPTIONS.items() for options in many]


def snapshot(path: Path, keys: list[KeyAddress]) -> RegistrySnapshot:
    protocol = load_protocol()
    response = run_request(Registry.load(path), protocol.build_request([read_operation(keys)]))
    return RegistrySnapshot.from_read_result(response["results"][0])


@pytest.mark.parametrize("path", HOST_FILES, ids=[path.stem for path in HOST_FILES])
@pytest.mark.parametrize(("surface", "options"), CASES, ids=[f"{s}{i}" for i, (s, _options) in enumerate(CASES)])
def test_no_surface_reports_drift_that_reads_the_same(path: Path, surface: str, options: dict[str, t.Any]) -> None:
    bound = SURFACE_BUILDERS[surface]({**DEFAULTS[surface], **VIEWS, **options})
    state = snapshot(path, bound.registry_keys())
    drift = bound.drift(state)
    assert [item for item in drift if item["current"] == item["desired"]] == []
    # A surface with no drift plans no write, and one with drift plans one.
    assert bool(bound.plan(state)) == bool(drift) or any("owner" in item for item in drift)


def test_the_guard_drops_entries_that_read_the_same() -> None:
    drift = [
        {"setting": "a", "current": {"proxy": "p:1"}, "desired": {"proxy": "p:1"}},
        {"setting": "b", "current": 0, "desired": 1},
        {"setting": "c", "current": None, "desired": None},
    ]
    assert reads_differently(drift) == [{"setting": "b", "current": 0, "desired": 1}]
