"""proxy_endpoint_check in bounded time: probes connect together, timeout bounds a whole probe, total_timeout all.

The twin (tests/winsim/probe_twin.py) spends time as the agent does and sleeps it, so the wall time of a
host command is checked too, not only what the answer says.
"""

from __future__ import annotations

import time
import typing as t

import pytest

from tests.endpoint_fleet import base_registry
from tests.inprocess import InProcessHost
from tests.winsim import probe_twin

URLS = [f"https://host{number}.example/" for number in range(6)]


def _host(answer: dict[str, t.Any]) -> InProcessHost:
    return InProcessHost(base_registry(), "ws-timed", {"network": {"rules": [{"host": "*", "answer": answer}]}})


def _check(host: InProcessHost, **options: t.Any) -> tuple[dict[str, t.Any], float]:
    started = time.perf_counter()
    run = host.run("proxy_endpoint_check", {"urls": URLS, "via": ["direct"], **options})
    elapsed = time.perf_counter() - started
    assert run.error is None and run.result is not None, run.error
    assert not run.result.get("failed"), run.result
    return run.result, elapsed


def test_a_network_that_drops_direct_connections_costs_the_timeout_once() -> None:
    result, wall = _check(_host({"drop": True}), timeout=1)
    # Six URLs, each timing out after 1 s: one probe after another would take 6 s; together, about 1 s.
    assert 1.0 <= wall < 2.0, wall
    assert 1000 <= result["probe_ms"] <= 1000 + len(URLS)
    errors = {entry["error"] for entry in result["endpoints"]}
    assert errors == {f"connecting to host{number}.example:443 timed out after 1000 ms" for number in range(6)}
    assert {entry["reason"] for entry in result["endpoints"]} == {"connect_failed"}


def test_the_total_timeout_bounds_the_command_before_the_probe_timeout() -> None:
    result, wall = _check(_host({"drop": True}), timeout=5, total_timeout=1)
    assert 1.0 <= wall < 2.0, wall
    assert 1000 <= result["probe_ms"] <= 1000 + len(URLS)
    bound = "the endpoint check's total time bound of 1000 ms ran out"
    # The first waits the whole bound, the others the 1 ms minimum each; each says how long it waited.
    assert [entry["error"] for entry in result["endpoints"]] == [
        f"{bound}: connecting to host{number}.example:443 timed out after {1000 + number} ms" for number in range(6)
    ]


def test_slow_handshakes_finish_in_turn_until_the_bound_runs_out() -> None:
    # Each TLS handshake takes 400 ms once connected: two finish within 1 s, the third runs into the bound.
    result, wall = _check(_host({"chain": [], "stage_ms": 400}), timeout=5, total_timeout=1)
    assert 1.0 <= wall < 2.0, wall
    # The bound, plus the 1 ms each of the last three probes' waits never goes under.
    assert result["probe_ms"] == 1000 + 3
    outcome = [(entry["reason"], entry["error"]) for entry in result["endpoints"]]
    bound = "the endpoint check's total time bound of 1000 ms ran out"
    assert outcome[:2] == [(None, None), (None, None)]
    # The third's handshake began at 803 ms: 197 ms were left of the bound.
    assert outcome[2] == ("tls_failed", f"{bound}: the TLS handshake with host2.example:443 timed out after 197 ms")
    # Connected, but their turn came after the bound ran out: each waits the 1 ms minimum and stops.
    assert outcome[3:] == [
        ("tls_failed", f"{bound}: the TLS handshake with host{number}.example:443 timed out after 1 ms")
        for number in (3, 4, 5)
    ]


# --- timeout bounds the whole probe: connect, proxy CONNECT, TLS handshake (chain building included) --------------


def _one(answer: dict[str, t.Any], **options: t.Any) -> tuple[dict[str, t.Any], dict[str, t.Any], float]:
    started = time.perf_counter()
    run = _host(answer).run("proxy_endpoint_check", {"urls": URLS[:1], "via": ["direct"], "timeout": 1, **options})
    wall = time.perf_counter() - started
    assert run.error is None and run.result is not None, run.error
    [entry] = run.result["endpoints"]
    return run.result, entry, wall


def test_a_tls_server_that_never_finishes_the_handshake_is_abandoned_at_the_bound() -> None:
    # It accepts the connection (3 ms) and never answers the ClientHello: the handshake gets what is left.
    result, entry, wall = _one({"stall": "tls"})
    assert 1.0 <= wall < 1.5, wall
    assert result["probe_ms"] == 1000
    assert (entry["reachable"], entry["stage"], entry["reason"]) == (False, "tls", "tls_failed")
    assert entry["error"] == (
        "the TLS handshake with host0.example:443 timed out after 997 ms; the probe's time bound of 1000 ms ran out"
    )
    assert entry["timings"] == {"connect_ms": 3, "proxy_ms": None, "tls_ms": None, "http_ms": None, "total_ms": 1000}
    assert entry["tls"] is None and entry["intercepted"] is None


def test_a_slow_connection_leaves_the_handshake_only_the_rest_of_the_bound() -> None:
    # Connected after 600 ms; a handshake (chain building included) of 600 ms would end at 1200 ms, past the
    # probe's 1 s: it is stopped after the 400 ms that were left. Before, it got a second full second.
    _result, entry, wall = _one({"chain": [], "connect_ms": 600, "stage_ms": 600})
    assert 1.0 <= wall < 1.5, wall
    assert entry["error"] == (
        "the TLS handshake with host0.example:443 timed out after 400 ms; the probe's time bound of 1000 ms ran out"
    )
    assert entry["timings"] == {"connect_ms": 600, "proxy_ms": None, "tls_ms": None, "http_ms": None, "total_ms": 1000}
    # Within the bound it completes, and the timings show the phases add up.
    _result, entry, _wall = _one({"chain": [], "connect_ms": 600, "stage_ms": 300})
    assert (entry["reachable"], entry["error"]) == (True, None)
    assert entry["timings"] == {"connect_ms": 600, "proxy_ms": None, "tls_ms": 900, "http_ms": None, "total_ms": 900}


def test_a_proxy_that_never_answers_connect_is_reported_at_its_phase() -> None:
    proxy = "proxy.corp.example:8080"
    _result, entry, wall = _one({"stall": "proxy"}, via=["named"], proxy=proxy)
    assert 1.0 <= wall < 1.5, wall
    assert (entry["stage"], entry["reason"], entry["proxy_status"]) == ("proxy", "proxy_failed", None)
    assert entry["error"] == (
        f"the proxy CONNECT to {proxy} for host0.example:443 timed out after 997 ms; the probe's time bound of"
        " 1000 ms ran out"
    )
    assert entry["timings"]["proxy_ms"] is None and entry["timings"]["total_ms"] == 1000


def test_the_handshake_after_a_slow_connect_exchange_gets_what_is_left() -> None:
    # CONNECT answered after 500 ms, then a handshake that never finishes: 497 ms left for it.
    proxy = "proxy.corp.example:8080"
    _result, entry, _wall = _one({"stall": "tls", "stage_ms": 500}, via=["named"], proxy=proxy)
    assert (entry["stage"], entry["proxy_status"]) == ("tls", 200)
    assert entry["error"] == (
        "the TLS handshake with host0.example:443 timed out after 497 ms; the probe's time bound of 1000 ms ran out"
    )
    assert entry["timings"] == {"connect_ms": 3, "proxy_ms": 503, "tls_ms": None, "http_ms": None, "total_ms": 1000}


def test_a_stalled_handshake_under_the_total_bound_names_that_bound() -> None:
    # total_timeout (1 s) comes before timeout (5 s): the message names the total bound first.
    _result, entry, wall = _one({"stall": "tls"}, timeout=5, total_timeout=1)
    assert 1.0 <= wall < 1.5, wall
    assert entry["error"] == (
        "the endpoint check's total time bound of 1000 ms ran out: the TLS handshake with host0.example:443 timed"
        " out after 997 ms"
    )


def test_a_quick_network_is_not_slowed() -> None:
    result, wall = _check(_host({"chain": []}))
    assert wall < 0.5, wall
    # Connections made together (3 ms), then each handshake in turn (3 ms each).
    assert result["probe_ms"] == 3 + 3 * len(URLS)


@pytest.mark.parametrize("value", [0, 601, -5])
def test_total_timeout_is_checked_before_any_host_command(value: int) -> None:
    run = _host({"chain": []}).run("proxy_endpoint_check", {"urls": URLS, "total_timeout": value})
    assert run.error == f"total_timeout: {value} is out of range; expected whole seconds 1-600"
    assert run.command_lines == []


@pytest.mark.parametrize(
    ("elapsed", "shown"), [(None, "None"), (-1, "-1"), (40001, "40001"), ("12", "'12'"), (True, "True")]
)
def test_an_implausible_probe_time_names_the_host_and_field(
    elapsed: object, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = probe_twin.tls_probe

    def lying(*args: t.Any) -> dict[str, t.Any]:
        return {**real(*args), "elapsed_ms": elapsed}

    monkeypatch.setattr(probe_twin, "tls_probe", lying)
    run = _host({"chain": []}).run("proxy_endpoint_check", {"urls": URLS, "via": ["direct"]})
    assert run.result is not None and run.result["failed"] is True
    assert run.result["msg"] == (
        f"ws-timed: the host agent's answer is malformed at results[-1].elapsed_ms: {shown} is not a whole number of"
        " ms 0..40000"
    )
