"""The tarball `ansible-galaxy collection build` makes installs and works on its own."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

from tests.demo_fleet import DEMO_HOSTS, write_fleet
from tests.simfleet import REPO_ROOT, RunningFleet, ansible_env

BIN = Path(sys.executable).parent
VERSION = next(
    line.split(":", 1)[1].strip()
    for line in (REPO_ROOT / "galaxy.yml").read_text(encoding="utf-8").splitlines()
    if line.startswith("version:")
)


def test_built_tarball_installs_and_checks_a_host(tmp_path: Path) -> None:
    built = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(tmp_path), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    tarball = tmp_path / f"proxyfleet-windows-{VERSION}.tar.gz"
    assert tarball.exists()
    with tarfile.open(tarball) as archive:
        # The checkout's own ansible.cfg (collections_path -> build/collections) is not the collection's.
        assert "ansible.cfg" not in archive.getnames()

    installed = tmp_path / "collections"
    # --force: a proxyfleet.windows already in ~/.ansible/collections would otherwise make galaxy skip the install.
    install = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "-p", str(installed), str(tarball)],
        # Only this path: a proxyfleet.windows in ~/.ansible/collections would make galaxy skip the install.
        env=ansible_env({"ANSIBLE_COLLECTIONS_PATH": str(installed)}),
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert (
        installed / "ansible_collections" / "proxyfleet" / "windows" / "plugins" / "plugin_utils" / "_agent.ps1"
    ).exists()

    fleet_dir = tmp_path / "fleet"
    write_fleet(fleet_dir, DEMO_HOSTS[:2])
    with RunningFleet(fleet_dir, tmp_path) as fleet:
        run = subprocess.run(
            [
                str(BIN / "ansible"),
                "windows",
                "-i",
                str(fleet.inventory),
                "--check",
                "-m",
                "proxyfleet.windows.winhttp_proxy",
                "-a",
                "proxy=proxy.corp.example:8080",
            ],
            env=ansible_env({"ANSIBLE_COLLECTIONS_PATH": str(installed)}),
            capture_output=True,
            text=True,
            check=False,
        )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("CHANGED") == 2
    assert str(REPO_ROOT) not in run.stdout
