"""Run our action plugins in-process against one simulated host, for property tests that need speed.

The action plugin is the real one (argument spec, surface planning, host session); only
``_low_level_execute_command`` is replaced by a call into :class:`tests.winsim.host.SimHost`, which
runs the same command gate and agent twin the WinRM simulator runs. Every command line a run sends
is recorded, so a test can assert that user input never reaches it.
"""

from __future__ import annotations

import dataclasses
import importlib
import typing as t
from pathlib import Path

from tests.winsim.host import SimHost
from tests.winsim.registry import Registry

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_HOSTS = REPO_ROOT / "tests" / "fixtures" / "hosts"


@dataclasses.dataclass
class _Task:
    """The few Task attributes ActionBase and our plugins read."""

    args: dict[str, t.Any]
    action: str
    check_mode: bool = False
    diff: bool = False
    async_val: int = 0


class _Shell:
    tmpdir = "unused"  # TRANSFERS_FILES is False: ActionBase.run never makes a temp dir


INPUT_FAILURE_KEYS = {"failed", "changed", "msg"}


class _Connection:
    _shell = _Shell()


class _Templar:
    """The variables a test gives are final values: templating gives them back."""

    @staticmethod
    def template(value: t.Any) -> t.Any:
        return value


@dataclasses.dataclass
class ActionRun:
    """The outcome of one task: its result, or the input-error message; commands sent."""

    result: dict[str, t.Any] | None
    error: str | None
    command_lines: list[str]


class InProcessHost:
    """A simulated host plus the command lines every run against it sent."""

    def __init__(self, registry: Registry, name: str = "inprocess", facts: dict[str, t.Any] | None = None) -> None:
        self.sim = SimHost(name, registry, facts=facts)
        self.command_lines: list[str] = []

    @classmethod
    def from_fixture(cls, name: str) -> InProcessHost:
        """A host loaded from ``tests/fixtures/hosts/<name>.reg`` (and ``<name>.json``, its facts, if any)."""
        loaded = SimHost.load(FIXTURE_HOSTS / f"{name}.reg", FIXTURE_HOSTS / f"{name}.json")
        return cls(loaded.registry, name, loaded.facts)

    def execute(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True, **_: t.Any) -> dict[str, t.Any]:
        """What ``_low_level_execute_command`` returns, computed by the simulated host."""
        del sudoable
        self.command_lines.append(cmd)
        done = self.sim.execute(cmd, [], in_data or b"")
        return {"rc": done.exit_code, "stdout": done.stdout.decode("utf-8"), "stderr": done.stderr.decode("utf-8")}

    def run(
        self,
        module: str,
        args: dict[str, t.Any],
        *,
        check_mode: bool = False,
        diff: bool = False,
        variables: dict[str, t.Any] | None = None,
    ) -> ActionRun:
        """Run ``proxyfleet.windows.<module>`` with ``args`` as one task against this host.

        ``variables`` are the host's variables (already templated: the templar gives them back as they are).
        """
        plugin = importlib.import_module(f"ansible_collections.proxyfleet.windows.plugins.action.{module}")
        fqcn = f"proxyfleet.windows.{module}"
        task = _Task(dict(args), fqcn, check_mode=check_mode, diff=diff)
        action = plugin.ActionModule(task, _Connection(), None, None, _Templar(), None)
        action._load_name = f"ansible_collections.proxyfleet.windows.plugins.action.{module}"
        action._low_level_execute_command = self.execute  # type: ignore[method-assign]
        sent_before = len(self.command_lines)
        result = action.run(task_vars={**(variables or {}), "inventory_hostname": self.sim.name})
        sent = self.command_lines[sent_before:]
        # Bad input is a failed result of exactly these keys (reports_input_errors), never an exception.
        if set(result) == INPUT_FAILURE_KEYS and result["failed"]:
            return ActionRun(None, str(result["msg"]), sent)
        return ActionRun(result, None, sent)

    def registry_text(self) -> bytes:
        """The host's registry as a .reg file."""
        return self.sim.registry.dumps()
