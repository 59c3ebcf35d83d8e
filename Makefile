# proxyfleet.windows developer tasks. Needs only python3, git and make (plus the pyenv Pythons
# of our machines); every tool comes from PyPI into .venv.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
VENV_OLDEST := .venv-oldest
PY := $(VENV)/bin/python
PY_OLDEST := $(VENV_OLDEST)/bin/python
# Re-created only when its requirements file changes.
STAMP := $(VENV)/.requirements.stamp
STAMP_OLDEST := $(VENV_OLDEST)/.requirements.stamp
# Documentation site and changelog tools (antsibull-docs, Sphinx, antsibull-changelog) live apart from
# the test tools, so their pins never have to agree with ansible-lint's.
VENV_2_19 := .venv-2.19
STAMP_2_19 := $(VENV_2_19)/.requirements.stamp
VENV_DOCS := .venv-docs
PY_DOCS := $(VENV_DOCS)/bin/python
STAMP_DOCS := $(VENV_DOCS)/.requirements.stamp

# The checkout as an installed collection, for tools that look collections up by name: the same
# link tests/conftest.py makes for pytest.
COLLECTION_LINK := build/collections/ansible_collections/proxyfleet/windows

VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL := build/proxyfleet-windows-$(VERSION).tar.gz

# WinRM to the simulated fleet on 127.0.0.1 must not go through an HTTPS_PROXY from the environment.
export NO_PROXY := 127.0.0.1,localhost
export no_proxy := 127.0.0.1,localhost

# $(call find_python,3.13): print the path of a working python3.13, or fail saying what was tried.
# The pyenv shim on PATH exists for every installed version but fails outside a pyenv context
# ("command exists in these Python versions"), hence the `-c 1` test before trusting it.
define find_python
{ \
  if python$(1) -c 1 >/dev/null 2>&1; then command -v python$(1); exit 0; fi; \
  if command -v pyenv >/dev/null 2>&1; then \
    for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^$(subst .,\.,$(1))(\.[0-9]+)?$$' | sort -V -r); do \
      p=$$(PYENV_VERSION=$$v pyenv which python$(1) 2>/dev/null) && "$$p" -c 1 >/dev/null 2>&1 && { echo "$$p"; exit 0; }; \
    done; \
  fi; \
  for p in $$(ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/$(1)*/bin/python$(1) /root/.pyenv/versions/$(1)*/bin/python$(1) 2>/dev/null | sort -V -r); do \
    "$$p" -c 1 >/dev/null 2>&1 && { echo "$$p"; exit 0; }; \
  done; \
  echo "error: Python $(1) not found (tried python$(1) on PATH, pyenv, $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(1)*)" >&2; exit 1; \
}
endef

.PHONY: help venv venv-oldest demo fleet test unit integration sanity lint molecule static build test-oldest clean

help:
	@echo "make demo         set up and run the demo against a simulated fleet of Windows hosts; prints the HTML report's path"
	@echo "make fleet        the demo's simulated fleet in the foreground, with the commands to try against it (Ctrl-C stops)"
	@echo "make venv         create $(VENV) (Python 3.13, newest ansible-core) from tests/requirements.txt"
	@echo "make test         every stage below, in this order; stops at the first failure (about 9 min from a fresh clone):"
	@echo "  static          ruff check and mypy on plugins/ and tests/ ($(VENV))"
	@echo "  unit            pytest tests/unit ($(VENV))"
	@echo "  integration     pytest tests/integration: ansible-playbook over WinRM against the simulated fleet;"
	@echo "                  the report tests render the HTML page in Chromium ($(VENV))"
	@echo "  test-oldest     unit + integration on ansible-core 2.16 / Python 3.11 ($(VENV_OLDEST))"
	@echo "  sanity          ansible-test sanity --venv (a venv per test, pip from the package index) ($(VENV))"
	@echo "  lint            ansible-lint ($(VENV))"
	@echo "  molecule        molecule test --all: one scenario per role, against the simulated fleet ($(VENV))"
	@echo "  build           build the tarball, install it, ansible-doc every module, role and plugin ($(VENV))"
	@echo "  ee              ansible-builder create for the execution environment (no container engine) ($(VENV))"
	@echo "  test-2.19       transport checks + winhttp_proxy end to end on ansible-core 2.19 ($(VENV_2_19))"
	@echo "  changelog       antsibull-changelog lint and a preview of the next release's notes ($(VENV_DOCS))"
	@echo "  docs            the documentation site into build/docs/html (any Sphinx warning fails it) ($(VENV_DOCS))"
	@echo "  Each stage is also a target of its own: make unit, make sanity, ..."
	@echo "  Needs: git, make; Python 3.13 and 3.11, each found as python3.X on PATH, else through pyenv, else in"
	@echo "  ~/.pyenv/versions/3.X*; the Python package index (pip builds the venvs, ansible-test its own);"
	@echo "  /usr/bin/chromium for integration and test-oldest: installed with apt-get when make runs as root,"
	@echo "  else install the Debian package chromium yourself (apt-get needs the Debian mirror). No container engine."
	@echo "make static       ruff and mypy on plugins/ and tests/"
	@echo "make clean        remove venvs, build/ and test output"
	@echo "make bench        proxy_baseline vs a raw no-op vs one task per value (prints figures, ~2 min)"
	@echo "make bench-scale  Ansible's raw floor and one proxy_baseline check of 1,000 simulated hosts at forks 50, with"
	@echo "                  and without a CA trust file; prints ours/floor (wall, CPU, peak PSS) and the load (~5 min)"
	@echo "make bench-report time, size and peak memory of the report (callback, compliance_merge), 5,000 and 100,000 hosts"
	@echo "make bench-roles  a role's steady-state check vs one proxy_baseline task, 100 hosts at forks 20 (prints figures)"

# The collections-path link comes with the venv: ansible.cfg points ansible-doc and ansible-playbook run from
# the checkout at it.
venv: $(STAMP) $(COLLECTION_LINK)

$(STAMP): tests/requirements.txt
	@echo "==> venv: creating $(VENV) with Python 3.13 from tests/requirements.txt"
	@py=$$($(call find_python,3.13)); echo "    using $$py"; \
	  rm -rf $(VENV); "$$py" -m venv $(VENV); \
	  $(PY) -m pip install --quiet --upgrade pip; \
	  $(PY) -m pip install --quiet -r tests/requirements.txt
	@touch $@

venv-oldest: $(STAMP_OLDEST)

$(STAMP_OLDEST): tests/requirements-oldest.txt
	@echo "==> venv-oldest: creating $(VENV_OLDEST) with Python 3.11 from tests/requirements-oldest.txt"
	@py=$$($(call find_python,3.11)); echo "    using $$py"; \
	  rm -rf $(VENV_OLDEST); "$$py" -m venv $(VENV_OLDEST); \
	  $(PY_OLDEST) -m pip install --quiet --upgrade pip; \
	  $(PY_OLDEST) -m pip install --quiet -r tests/requirements-oldest.txt
	@touch $@

venv-2.19: $(STAMP_2_19)

$(STAMP_2_19): tests/requirements-2.19.txt
	@echo "==> venv-2.19: creating $(VENV_2_19) with Python 3.13 from tests/requirements-2.19.txt"
	@py=$$($(call find_python,3.13)); echo "    using $$py"; \
	  rm -rf $(VENV_2_19); "$$py" -m venv $(VENV_2_19); \
	  $(VENV_2_19)/bin/python -m pip install --quiet --upgrade pip; \
	  $(VENV_2_19)/bin/python -m pip install --quiet -r tests/requirements-2.19.txt
	@touch $@

venv-docs: $(STAMP_DOCS)

$(STAMP_DOCS): docs/site/requirements.txt
	@echo "==> venv-docs: creating $(VENV_DOCS) with Python 3.13 from docs/site/requirements.txt"
	@py=$$($(call find_python,3.13)); echo "    using $$py"; \
	  rm -rf $(VENV_DOCS); "$$py" -m venv $(VENV_DOCS); \
	  $(PY_DOCS) -m pip install --quiet --upgrade pip; \
	  $(PY_DOCS) -m pip install --quiet -r docs/site/requirements.txt
	@touch $@

$(COLLECTION_LINK):
	@mkdir -p $(@D)
	ln -sfn "$(CURDIR)" $@

demo: venv
	@echo "==> demo: running the product against the simulated Windows fleet (python -m tests.demo)"
	$(PY) -m tests.demo

# The demo's fleet in the foreground, with an inventory whose groups choose the roles; prints the commands to
# run against it (docs/playbooks.md). Ctrl-C stops it.
fleet: venv
	@echo "==> fleet: the simulated Windows fleet in the foreground (python -m tests.fleet); Ctrl-C stops it"
	@$(PY) -m tests.fleet

# The steps stop at the first failure (make stops at a failed prerequisite, in order).
test: static unit integration test-oldest sanity lint molecule build ee
	@echo "==> test: all passed"
# Appended to test's prerequisites (make runs them after the ones above, in this order).
test: test-2.19 changelog docs
.PHONY: venv-docs changelog docs venv-2.19 test-2.19

unit: venv
	@echo "==> unit: pytest tests/unit"
	$(PY) -m pytest tests/unit

integration: venv
	@echo "==> integration: pytest tests/integration (ansible-playbook against the simulated fleet)"
	$(PY) -m pytest tests/integration

sanity: venv
	@echo "==> sanity: ansible-test sanity --venv --python 3.13 (tests/sanity/run.sh)"
	tests/sanity/run.sh

# .ansible-lint says offline (no network), in which ansible-lint does not install this collection
# for itself: it finds proxyfleet.windows.* through the collections-path link instead.
# ansible-lint puts $ANSIBLE_HOME/collections (default ~/.ansible) first: another copy of the collection
# installed there would shadow this checkout, so it gets an ANSIBLE_HOME of its own.
lint: export ANSIBLE_HOME := $(CURDIR)/build/ansible-home
lint: venv $(COLLECTION_LINK)
	@echo "==> lint: ansible-lint (profile and excludes in .ansible-lint)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/build/collections" $(VENV)/bin/ansible-lint

# One scenario per role under extensions/molecule/: create starts the simulated fleet on a port the OS
# assigns, then converge, idempotence, check, verify, destroy.
molecule: venv $(COLLECTION_LINK)
	@echo "==> molecule: molecule test --all (extensions/molecule, simulated fleet)"
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/molecule test --all

static: venv $(COLLECTION_LINK)
	@echo "==> static: ruff check, mypy"
	$(VENV)/bin/ruff check plugins tests
	@# mypy must see the modules under their import names: run it through the collections-path link.
	cd build/collections && "$(CURDIR)/$(VENV)/bin/mypy" --config-file "$(CURDIR)/pyproject.toml" \
	  ansible_collections/proxyfleet/windows/plugins

# ansible-doc -t role (ansible-core 2.19+) warns that ansible-core's own internal collection has no MANIFEST.json
# (ansible/ansible#85689): not about this collection, so `make build` drops exactly that line.
PROTOMATTER_WARNING := ansible_collections/ansible/_protomatter' does not have a MANIFEST.json file

# Build the artifact Galaxy gets, install it into a throwaway collections path and ask ansible-doc
# for every module, which fails if the tarball misses a file the docs need.
build: venv
	@echo "==> build: ansible-galaxy collection build -> $(TARBALL)"
	@mkdir -p build
	$(VENV)/bin/ansible-galaxy collection build --force --output-path build .
	@echo "==> build: installing $(TARBALL) into a temporary collections path"
	@# Only the installed tarball, nothing from sys.path: no other copy of the collection can stand in for it.
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; export ANSIBLE_COLLECTIONS_PATH="$$tmp" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false; \
	  $(VENV)/bin/ansible-galaxy collection install --offline $(TARBALL) >/dev/null; \
	  $(VENV)/bin/ansible-galaxy collection list proxyfleet.windows | tail -n 1; \
	  for f in plugins/modules/*.py; do \
	    [ -e "$$f" ] && [ "$${f##*/}" != __init__.py ] || continue; \
	    m=proxyfleet.windows.$$(basename "$$f" .py); echo "    ansible-doc $$m"; \
	    $(VENV)/bin/ansible-doc -t module "$$m" >/dev/null; \
	  done; \
	  for d in roles/*/; do \
	    r=proxyfleet.windows.$$(basename "$$d"); echo "    ansible-doc -t role $$r"; \
	    $(VENV)/bin/ansible-doc -t role "$$r" 2> >(grep -v "$(PROTOMATTER_WARNING)" >&2) >/dev/null; \
	  done; \
	  for f in plugins/filter/*.yml; do \
	    m=proxyfleet.windows.$$(basename "$$f" .yml); echo "    ansible-doc -t filter $$m"; \
	    $(VENV)/bin/ansible-doc -t filter "$$m" >/dev/null; \
	  done; \
	  for f in plugins/callback/*.py; do \
	    m=proxyfleet.windows.$$(basename "$$f" .py); echo "    ansible-doc -t callback $$m"; \
	    $(VENV)/bin/ansible-doc -t callback "$$m" >/dev/null; \
	  done

# The end-to-end tests render the compliance report page in headless Chromium (Debian package chromium).
CHROMIUM := /usr/bin/chromium
.PHONY: ee bench-report
integration test-oldest: $(CHROMIUM)

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  echo "==> chromium: apt-get install chromium (the report tests render the HTML page in it)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	else \
	  echo "error: $(CHROMIUM) is missing: run 'sudo apt-get install --no-install-recommends chromium'" >&2; exit 1; \
	fi

# ansible-builder create writes the build context (Containerfile and _build/) and validates the file
# against the v3 schema; building the image would need podman or docker.
ee: venv
	@echo "==> ee: ansible-builder create (execution-environment.yml, bindep.txt, requirements.txt)"
	@rm -rf build/ee
	$(VENV)/bin/ansible-builder create --file execution-environment.yml --context build/ee >/dev/null
	@test -s build/ee/_build/requirements.txt && test -s build/ee/_build/bindep.txt && test -s build/ee/_build/requirements.yml
	@# The context must carry what docs/awx.md relies on (Kerberos for winrm and psrp, jmespath, [compile] entries).
	$(PY) -m tests.ee_context build/ee
	@echo "    build/ee: $$(ls build/ee | tr '\n' ' ')"

bench-report: venv
	@echo "==> bench-report: compliance report (callback and compliance_merge) for 5,000 and 100,000 hosts x 20 settings"
	$(PY) -m tests.bench.report_bench
# ansible-core 2.19 sends the agent's command line in a third shape (split at spaces, no second
# PowerShell): the transport checks and one end-to-end suite pin it, at about a minute (the full
# suites run on 2.16 and 2.21).
test-2.19: venv-2.19
	@echo "==> test-2.19: transport checks + winhttp_proxy end-to-end on ansible-core 2.19"
	$(VENV_2_19)/bin/python -m pytest tests/unit/plugins/plugin_utils/test_transport_compat.py tests/integration/test_winhttp_proxy.py

# The fragments must lint, and must render: `antsibull-changelog release` runs on a copy in
# build/changelog (it rewrites changelog.yaml and deletes fragments, which only a release may do).
changelog: venv-docs $(COLLECTION_LINK)
	@echo "==> changelog: antsibull-changelog lint; release preview -> build/changelog/CHANGELOG.md"
	$(VENV_DOCS)/bin/antsibull-changelog lint
	@# The copy holds what New Modules/Plugins/Roles are read from, and vcs none: with vcs auto the
	@# release would copy the files git tracks under build/changelog, which is none of them.
	@rm -rf build/changelog && mkdir -p build/changelog && cp -r galaxy.yml changelogs meta plugins roles build/changelog/
	sed -i 's/^vcs: auto$$/vcs: none/' build/changelog/changelogs/config.yaml
	cd build/changelog && PATH="$(CURDIR)/$(VENV_DOCS)/bin:$$PATH" \
	  ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/build/collections" "$(CURDIR)/$(VENV_DOCS)/bin/antsibull-changelog" release
	@# A first release lists what users get and no fixes of code that never shipped.
	@for section in '### Release Summary' '### New Modules' '### New Plugins' '### New Roles'; do \
	  grep -qx "$$section" build/changelog/CHANGELOG.md || { echo "error: CHANGELOG.md lacks $$section" >&2; exit 1; }; \
	done
	@! grep -qx '### Bugfixes' build/changelog/CHANGELOG.md || { echo "error: Bugfixes in the first release" >&2; exit 1; }

# Plugin docs are linted (semantic markup references, schema), then the site is built from the
# installed collection and docs/ (docs/site/build.py); a Sphinx warning or a broken internal link or
# anchor fails it. External links are not checked: the build runs offline.
docs: venv-docs $(COLLECTION_LINK) changelog
	@echo "==> docs: antsibull-docs lint-collection-docs; site -> build/docs/html"
	cd $(COLLECTION_LINK) && PATH="$(CURDIR)/$(VENV_DOCS)/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/build/collections" \
	  "$(CURDIR)/$(VENV_DOCS)/bin/antsibull-docs" lint-collection-docs --plugin-docs --validate-collection-refs all --skip-rstcheck .
	PATH="$(CURDIR)/$(VENV_DOCS)/bin:$$PATH" ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/build/collections" \
	  $(PY_DOCS) docs/site/build.py --out build/docs --changelog build/changelog/CHANGELOG.md

test-oldest: venv-oldest
	@echo "==> test-oldest: unit + integration on ansible-core 2.16 / Python 3.11"
	$(PY_OLDEST) -m pytest tests/unit
	$(PY_OLDEST) -m pytest tests/integration

# Benchmarks print figures (docs/performance.md); they are not tests and not part of `make test`.
.PHONY: bench bench-scale bench-roles

bench: venv $(COLLECTION_LINK)
	@echo "==> bench: tests/bench/compare.py"
	$(PY) -m tests.bench.compare

bench-scale: venv $(COLLECTION_LINK)
	@echo "==> bench-scale: tests/bench/scale.py (1,000 hosts, forks 50; floor and ours, with and without a CA trust file)"
	$(PY) -m tests.bench.scale

bench-roles: venv $(COLLECTION_LINK)
	@echo "==> bench-roles: tests/bench/roles.py (100 hosts, forks 20)"
	$(PY) -m tests.bench.roles

clean:
	@echo "==> clean: removing $(VENV) $(VENV_OLDEST) build/ tests/output and caches"
	rm -rf $(VENV) $(VENV_OLDEST) build tests/output .pytest_cache .mypy_cache .ruff_cache
	rm -rf $(VENV_DOCS) $(VENV_2_19)
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
