"""Start and stop the simulated fleet (``python -m tests.winsim serve``) as a child process."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO_ROOT / "build" / "collections"


def link_collection() -> Path:
    """Expose the checkout as ansible_collections/proxyfleet/windows; return the collections root."""
    link = COLLECTIONS_ROOT / "ansible_collections" / "proxyfleet" / "windows"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        # Another test process may have created it in the meantime.
        with contextlib.suppress(FileExistsError):
            link.symlink_to(REPO_ROOT, target_is_directory=True)
    return COLLECTIONS_ROOT


class RunningFleet:
    """A ``winsim serve`` process and the files it writes; use as a context manager."""

    def __init__(self, fleet_dir: Path, work_dir: Path, auth: str = "basic-https", faults: Path | None = None) -> None:
        self.fleet_dir = fleet_dir
        self.inventory = work_dir / "inventory.yml"
        self.log = work_dir / "winsim.log"
        self.stderr_path = work_dir / "winsim.stderr"
        self.auth = auth
        self.faults = faults
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RunningFleet:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self, timeout: float = 30.0) -> None:
        command = [
            sys.executable,
            "-m",
            "tests.winsim",
            "serve",
            "--fleet",
            str(self.fleet_dir),
            "--inventory",
            str(self.inventory),
            "--log",
            str(self.log),
            "--auth",
            self.auth,
        ]
        if self.faults is not None:
            command += ["--faults", str(self.faults)]
        self.inventory.unlink(missing_ok=True)
        with open(self.stderr_path, "wb") as stderr:
            self._process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + timeout
        while not self.inventory.exists():
            if self._process.poll() is not None:
                raise RuntimeError(f"winsim exited with {self._process.returncode}: {self.stderr_path.read_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"winsim did not write {self.inventory} within {timeout} s")
            time.sleep(0.05)

    def stop(self) -> int | None:
        if self._process is None or self._process.poll() is not None:
            return None if self._process is None else self._process.returncode
        self._process.send_signal(signal.SIGTERM)
        try:
            return self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self._process.wait()

    def alive(self) -> bool:
        """Whether the simulator process still runs."""
        return self._process is not None and self._process.poll() is None

    def log_entries(self) -> list[dict[str, object]]:
        """Every JSON line the simulator logged so far."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line.strip()]

    def commands(self) -> list[dict[str, object]]:
        """The logged WinRM commands (not faults)."""
        return [entry for entry in self.log_entries() if entry.get("action") == "Command"]


def ansible_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for ansible-playbook runs against the simulator."""
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(link_collection()),
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_DEPRECATION_WARNINGS="False",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    env.update(extra or {})
    return env
