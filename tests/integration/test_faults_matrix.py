"""Faults at every WS-Man action and at every registry write of a proxy_baseline apply.

One simulated host per fault, all copies of tests/fixtures/hosts/clean-host.reg (which drifts on
every surface, so the apply writes 18 changes), plus a control host without faults. One playbook
run applies the baseline to all of them; then every host's registry must be exactly its old state
or exactly the control's new state, a re-run without faults must converge, and a check afterwards
must find nothing to change. The outcome Ansible shows for each fault is pinned here and listed in
docs/robustness.md.

The comparison leaves out one thing: the on-host backups under HKLM\\SOFTWARE\\proxyfleet\\Backups
(and that key's parent when nothing else is in it), which record each apply under a new,
time-stamped id by design. Everything else, our CreatedKeys record included, must match exactly.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Fleet
from tests.integration.test_proxy_baseline import PLAY, TASK
from tests.simfleet import REPO_ROOT, RunningFleet
from tests.winsim.regfile import Value
from tests.winsim.registry import Registry

SOURCE = REPO_ROOT / "tests" / "fixtures" / "hosts" / "clean-host.reg"
CONTROL = "control"
WRITES = 18  # changes in the apply on clean-host; checked against the simulator log below
BACKUPS = r"SOFTWARE\proxyfleet\Backups"
DELAY_SECONDS = 1.5

# A task is: Create (the shell), Command, Send, Receive, Signal (the read), Command, Send, Receive,
# Signal (the write), Delete. (label, action, skip): skip counts earlier occurrences of the action.
POINTS = [
    ("create", "Create", 0),
    ("read-command", "Command", 0),
    ("read-send", "Send", 0),
    ("read-receive", "Receive", 0),
    ("read-signal", "Signal", 0),
    ("write-command", "Command", 1),
    ("write-send", "Send", 1),
    ("write-receive", "Receive", 1),
    ("write-signal", "Signal", 1),
    ("delete", "Delete", 0),
]

# What Ansible shows and what the host holds afterwards, per fault: (status, "old" | "new").
# The command runs when its first Receive arrives: a drop before that leaves the old state, a drop
# at the Signal after it the new one. A drop at Delete comes after the result is in.
EXPECTED: dict[str, tuple[str, str]] = {
    **{f"drop-{label}": ("unreachable", "old") for label, *_point in POINTS},
    "drop-write-signal": ("unreachable", "new"),
    "drop-delete": ("changed", "new"),
    **{f"delay-{label}": ("changed", "new") for label, *_point in POINTS},
    **{f"fail-write-{nth}": ("failed", "old") for nth in range(1, WRITES + 1)},
}
LOST_READ = "the connection to the host was lost during the read command ("
LOST_WRITE = "the connection to the host was lost during the write command ("


def scenarios() -> dict[str, list[dict[str, object]]]:
    """Host name -> its fault rules."""
    rules: dict[str, list[dict[str, object]]] = {}
    for label, action, skip in POINTS:
        for kind in ("drop", "delay"):
            host = f"{kind}-{label}"
            rule: dict[str, object] = {"host": host, "action": action, "kind": kind, "skip": skip, "times": 1}
            if kind == "delay":
                rule["seconds"] = DELAY_SECONDS
            rules[host] = [rule]
    for nth in range(1, WRITES + 1):
        host = f"fail-write-{nth}"
        rules[host] = [{"host": host, "kind": "fail_write", "nth": nth}]
    return rules


def without_backups(registry: Registry) -> bytes:
    """The registry as a .reg file, without our on-host backups (see the module docstring)."""
    registry.delete_key("HKLM", BACKUPS)
    if not registry.values("HKLM", r"SOFTWARE\proxyfleet") and not registry.subkey_names(
        "HKLM", r"SOFTWARE\proxyfleet"
    ):
        registry.delete_key("HKLM", r"SOFTWARE\proxyfleet")
    return registry.dumps()


RESTORE_OLDEST = """
- name: Restore
  hosts: windows
  gather_facts: false
  tasks:
    - name: List the backups
      proxyfleet.windows.proxy_restore:
        list_only: true
      register: listing
    - name: Undo every apply
      proxyfleet.windows.proxy_restore:
        backup_id: "{{ listing.backups[-1].id }}"
"""


@pytest.fixture
def matrix_fleet(tmp_path: Path) -> Iterator[Fleet]:
    fleet_dir = tmp_path / "fleet"
    fleet_dir.mkdir()
    names = [CONTROL, *scenarios()]
    for name in names:
        shutil.copyfile(SOURCE, fleet_dir / f"{name}.reg")
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps([rule for rules in scenarios().values() for rule in rules]), encoding="utf-8")
    with RunningFleet(fleet_dir, tmp_path, faults=faults) as running:
        yield Fleet(running, tmp_path, names)


def test_every_fault_leaves_old_or_new_and_a_rerun_converges(matrix_fleet: Fleet) -> None:
    old = without_backups(Registry.load(SOURCE))
    run = matrix_fleet.playbook(PLAY)
    results = run.for_task(TASK)
    assert results[CONTROL]["status"] == "changed", results[CONTROL]
    applies = [entry for entry in matrix_fleet.running.commands() if entry["host"] == CONTROL][-1]
    assert len(applies["operations"][0]["changes"]) == WRITES
    new = without_backups(matrix_fleet.registry(CONTROL))
    assert new != old

    seen = {}
    for host in scenarios():
        state = without_backups(matrix_fleet.registry(host))
        assert state in (old, new), f"{host}: registry is neither the old nor the new state"
        seen[host] = (results[host]["status"], "old" if state == old else "new")
    assert seen == EXPECTED
    for label, *_point in POINTS[:-1]:
        message = results[f"drop-{label}"]["result"]["msg"]
        assert (LOST_WRITE if label.startswith("write") else LOST_READ) in message, message

    # Failed writes name the value and say the host was rolled back; no traceback anywhere.
    for nth in range(1, WRITES + 1):
        message = results[f"fail-write-{nth}"]["result"]["msg"]
        assert "failed: Access to the registry key" in message, message
        assert "every value written before it was restored from the snapshot" in message, message
    assert "Traceback" not in run.stdout + run.stderr

    # Once the faults are gone, a re-run converges every host to the new state...
    (matrix_fleet.work / "faults.json").write_text("[]", encoding="utf-8")
    again = matrix_fleet.playbook(PLAY)
    assert again.rc == 0, again.stdout + again.stderr
    for host in matrix_fleet.names:
        assert without_backups(matrix_fleet.registry(host)) == new, host
    # ...and a check finds nothing left to change.
    check = matrix_fleet.playbook(PLAY, "--check")
    assert {entry["status"] for entry in check.for_task(TASK).values()} == {"ok"}

    # Restoring each host's oldest backup (its first apply, failed or not) brings back the old state exactly.
    restore = matrix_fleet.playbook(RESTORE_OLDEST)
    assert restore.rc == 0, restore.stdout + restore.stderr
    for host in matrix_fleet.names:
        assert without_backups(matrix_fleet.registry(host)) == old, host


# --- hostile hosts: answers of a given shape (the simulator's "answer" fault), issue 17 -----------------

LIST_PLAY = """
- name: Backups
  hosts: windows
  gather_facts: false
  tasks:
    - name: List the backups
      proxyfleet.windows.proxy_restore:
        list_only: true
"""
AFTER_WRITE = "answer-after-write"
MALFORMED = "the host agent's answer is malformed at "


def _read_answer(**key_fields: object) -> dict[str, object]:
    key = {"hive": "HKLM", "path": BACKUPS, "view": 64, "exists": True, "values": [], "subkeys": [], **key_fields}
    return {
        "protocol": 1,
        "agent_version": "0.1.0",
        "ok": True,
        "results": [{"op": "read", "status": "ok", "keys": [key]}],
    }


# Host -> (its answer rule's shape, the exact message of the listing task, which sends one read).
ANSWERS: dict[str, tuple[dict[str, object], str]] = {
    "answer-not-an-object": (
        {"answer": {"protocol": 1, "agent_version": "0.1.0", "ok": True, "results": [7]}},
        f"{MALFORMED}results[0]: expected an object",
    ),
    "answer-two-results": (
        {"answer": {"protocol": 1, "agent_version": "0.1.0", "ok": True, "results": [{}, {}]}},
        f"{MALFORMED}results: 2 results for 1 operations",
    ),
    "answer-bad-view": ({"answer": _read_answer(view="64")}, f"{MALFORMED}results[0].keys[0].view: expected 64 or 32"),
    "answer-bad-dword": (
        {"answer": _read_answer(values=[{"name": "Count", "type": "dword", "data": "0xFFFFFFFF"}])},
        f"{MALFORMED}results[0].keys[0].values[0].data: expected an integer 0..4294967295 for a dword value",
    ),
    "answer-no-values": (
        {"answer": _read_answer(values=None)},
        f"{MALFORMED}results[0].keys[0].values: expected a list",
    ),
    "answer-deep": ({"stdout": "[" * 100_000 + "]" * 100_000}, f"{MALFORMED}stdout: nested more than 32 levels deep"),
    "answer-huge": (
        {"stdout": "{}" + " " * 9_000_000},
        f"{MALFORMED}stdout: 9,000,002 characters, more than the 8,388,608 accepted",
    ),
    "answer-not-json": (
        {"stdout": "Get-Item : Access denied"},
        "the host agent did not answer with JSON: Get-Item : Access denied",
    ),
}  # fmt: skip


def test_malformed_answers_fail_naming_host_and_field_and_lose_nothing(tmp_path: Path) -> None:
    fleet_dir = tmp_path / "fleet"
    fleet_dir.mkdir()
    names = [*ANSWERS, AFTER_WRITE]
    for name in names:
        shutil.copyfile(SOURCE, fleet_dir / f"{name}.reg")
    rules = [{"host": host, "kind": "answer", "times": 1, **shape} for host, (shape, _msg) in ANSWERS.items()]
    # The write command runs (every value is written), then its answer is cut to a wrong shape.
    cut = {"op": "apply", "status": "applied", "backup_id": None, "after": "cut off"}
    rules.append(
        {
            "host": AFTER_WRITE,
            "kind": "answer",
            "skip": 1,
            "times": 1,
            "run": True,
            "answer": {"protocol": 1, "agent_version": "0.1.0", "ok": True, "results": [cut]},
        }
    )
    faults = tmp_path / "faults.json"
    faults.write_text(json.dumps(rules), encoding="utf-8")
    old = {name: (fleet_dir / f"{name}.reg").read_bytes() for name in names}
    with RunningFleet(fleet_dir, tmp_path, faults=faults) as running:
        fleet = Fleet(running, tmp_path, names)
        listing = fleet.playbook(LIST_PLAY, limit=",".join(ANSWERS))
        results = listing.for_task("List the backups")
        assert {host: results[host]["result"]["msg"] for host in ANSWERS} == {
            host: message if message.startswith("the host agent did not") else f"{host}: {message}"
            for host, (_shape, message) in ANSWERS.items()
        }
        assert {results[host]["status"] for host in ANSWERS} == {"failed"}
        for host in ANSWERS:  # a read was all these hosts were asked for: nothing changed
            assert fleet.reg_bytes_of(host) == old[host], host

        apply = fleet.playbook(PLAY, limit=AFTER_WRITE)
        result = apply.for_task(TASK)[AFTER_WRITE]["result"]
        assert result["msg"] == (
            f"{AFTER_WRITE}: the host may have applied the change; backup {result['backup_id']}; re-run to converge"
            f" or restore ({MALFORMED}results[0].after: expected a list)"
        )
        assert result["changed"] is True
        assert apply.for_task(TASK)[AFTER_WRITE]["status"] == "failed"
        assert "Traceback" not in listing.stdout + listing.stderr + apply.stdout + apply.stderr

        # Nothing lost: the written host holds the new state, a re-run converges every host and restoring
        # each host's oldest backup brings back the old state exactly.
        again = fleet.playbook(PLAY)
        assert again.rc == 0, again.stdout + again.stderr
        check = fleet.playbook(PLAY, "--check")
        assert {entry["status"] for entry in check.for_task(TASK).values()} == {"ok"}
        restore = fleet.playbook(RESTORE_OLDEST)
        assert restore.rc == 0, restore.stdout + restore.stderr
        for host in names:
            assert without_backups(fleet.registry(host)) == without_backups(Registry.load(SOURCE)), host


def test_published_fault_counts_match() -> None:
    # docs/robustness.md publishes these figures; this test is where they come from.
    text = (REPO_ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    counts = {
        "transport and registry-write faults": len(scenarios()),
        "malformed answers (hostile hosts)": len(ANSWERS) + 1,
        "faults in all, each survived with nothing lost": len(scenarios()) + len(ANSWERS) + 1,
    }
    for label, count in counts.items():
        assert f"| {label} | {count} |" in text, (label, count)


def test_a_backup_count_of_0xffffffff_is_listed_as_unrestorable(tmp_path: Path) -> None:
    # A backup head whose Count says 4,294,967,295 records, with one record: proxy_restore used to build
    # a list that long (even list_only) and kill the worker.
    fleet_dir = tmp_path / "fleet"
    fleet_dir.mkdir()
    registry = Registry.load(SOURCE)
    backup_id = "20261123T100000000000Z-ffffffff"
    head = f"{BACKUPS}\\{backup_id}"
    registry.set_value("HKLM", head, "Created", Value.string("2026-11-23T10:00:00Z"))
    registry.set_value("HKLM", head, "AgentVersion", Value.string("0.1.0"))
    registry.set_value("HKLM", head, "Count", Value.dword(0xFFFFFFFF))
    for name, text in (("Hive", "HKLM"), ("Path", "SOFTWARE\\X"), ("Name", "V"), ("Action", "set_value")):
        registry.set_value("HKLM", f"{head}\\0", name, Value.string(text))
    registry.save(fleet_dir / "hostile.reg")
    with RunningFleet(fleet_dir, tmp_path) as running:
        fleet = Fleet(running, tmp_path, ["hostile"])
        listing = fleet.playbook(LIST_PLAY)
        result = listing.for_task("List the backups")["hostile"]["result"]
        problem = "its Count says 4294967295 change records but it holds 1 (0)"
        assert [(b["id"], b["restorable"], b["problem"]) for b in result["backups"]] == [(backup_id, False, problem)]
        restore = fleet.playbook(RESTORE_OLDEST.replace("{{ listing.backups[-1].id }}", backup_id))
        failed = restore.for_task("Undo every apply")["hostile"]["result"]
        assert failed["msg"] == f"backup {backup_id} cannot be restored exactly: {problem}; nothing was written"
        assert "Traceback" not in listing.stdout + listing.stderr + restore.stdout + restore.stderr
