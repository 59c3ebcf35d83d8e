"""The execution environment's build context has what docs/awx.md and docs/compatibility.md rely on."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ee_context import REQUIRED_BINDEP, REQUIRED_PYTHON, missing

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILDER = Path(sys.executable).parent / "ansible-builder"


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ansible-builder create`` of the collection's execution-environment.yml (no container engine)."""
    if not BUILDER.exists():
        # tests/requirements.txt has it (make unit, make ee); the ansible-core 2.16 venv does not need it.
        pytest.skip(f"{BUILDER} is not installed in this venv")
    work = tmp_path_factory.mktemp("ee")
    for name in ("execution-environment.yml", "requirements.txt", "bindep.txt"):
        shutil.copyfile(REPO_ROOT / name, work / name)
    done = subprocess.run(
        [str(BUILDER), "create", "--file", "execution-environment.yml", "--context", "context"],
        cwd=work, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return work / "context"


def test_the_generated_context_has_every_required_entry(context: Path) -> None:
    assert missing(context) == []


def test_the_check_names_what_is_missing(context: Path, tmp_path: Path) -> None:
    broken = tmp_path / "context"
    shutil.copytree(context, broken)
    requirements = broken / "_build" / "requirements.txt"
    requirements.write_text(requirements.read_text().replace("pypsrp[kerberos]", "pypsrp"), encoding="utf-8")
    bindep = broken / "_build" / "bindep.txt"
    bindep.write_text(bindep.read_text().replace("krb5-devel [compile platform:rpm]\n", ""), encoding="utf-8")
    devel = "krb5-devel [compile platform:rpm]"
    assert missing(broken) == [
        f"_build/requirements.txt lacks pypsrp[kerberos] ({REQUIRED_PYTHON['pypsrp[kerberos]']})",
        f"_build/bindep.txt lacks {devel!r} ({REQUIRED_BINDEP[devel]})",
    ]
