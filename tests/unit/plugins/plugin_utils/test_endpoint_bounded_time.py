"""proxy_endpoint_check in bounded time: probes connect together, total_timeout bounds the whole command.

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
    assert {entry["error"] for entry in result["endpoints"]} == {bound}


def test_slow_handshakes_finish_in_turn_until_the_bound_runs_out() -> None:
    # Each TLS handshake takes 400 ms once connected: two finish within 1 s, the third runs into the bound.
    result, wall = _check(_host({"chain": [], "stage_ms": 400}), timeout=5, total_timeout=1)
    assert 1.0 <= wall < 2.0, wall
    # The bound, plus the 1 ms each of the last three probes' waits never goes under.
    assert result["probe_ms"] == 1000 + 3
    outcome = [(entry["reason"], entry["error"]) for entry in result["endpoints"]]
    stopped = f"the endpoint check's total time bound of 1000 ms ran out: {probe_twin.SOCKET_TIMEOUT}"
    assert outcome[:2] == [(None, None), (None, None)]
    assert outcome[2] == ("tls_failed", stopped)
    # Connected, but their turn came after the bound ran out: each waits the 1 ms minimum and stops.
    assert outcome[3:] == [("tls_failed", stopped)] * 3


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
