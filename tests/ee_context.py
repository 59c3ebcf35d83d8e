"""What the execution environment's build context must contain: the packages docs/awx.md relies on.

``python -m tests.ee_context build/ee`` (run by ``make ee`` after ``ansible-builder create``) exits 1
naming each missing entry; tests/unit/test_execution_environment.py runs the same check on a fresh
context.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# Python requirement (name with extras) -> why the EE needs it.
REQUIRED_PYTHON = {
    "pywinrm[kerberos]": "the winrm connection with domain (Kerberos) accounts, docs/awx.md",
    "pypsrp[kerberos]": "the psrp connection, docs/compatibility.md",
    "jmespath": "the query option of the compliance_summary filter",
}
# bindep line (package and profile/platform selector) -> why.
REQUIRED_BINDEP = {
    "krb5-libs [platform:rpm]": "Kerberos libraries at run time",
    "krb5-workstation [platform:rpm]": "kinit and krb5.conf",
    "gcc [compile platform:rpm]": "building gssapi/krb5 in the builder stage",
    "python3.12-devel [compile platform:rpm]": "building gssapi/krb5 for the EE's python3.12",
    "krb5-devel [compile platform:rpm]": "building gssapi/krb5 in the builder stage",
}


def _requirement_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"([A-Za-z0-9_.-]+(?:\[[^\]]*\])?)", line)
        if match:
            names.add(match.group(1).lower())
    return names


def missing(context: Path) -> list[str]:
    """The required entries the build context at ``context`` (ansible-builder create output) lacks."""
    build = context / "_build"
    problems = []
    python = _requirement_names((build / "requirements.txt").read_text(encoding="utf-8"))
    for name, why in REQUIRED_PYTHON.items():
        if name not in python:
            problems.append(f"_build/requirements.txt lacks {name} ({why})")
    bindep = {line.strip() for line in (build / "bindep.txt").read_text(encoding="utf-8").splitlines()}
    for line, why in REQUIRED_BINDEP.items():
        if line not in bindep:
            problems.append(f"_build/bindep.txt lacks {line!r} ({why})")
    return problems


def main(argv: list[str]) -> int:
    problems = missing(Path(argv[1]) if len(argv) > 1 else Path("build/ee"))
    for problem in problems:
        print(f"error: execution environment: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
