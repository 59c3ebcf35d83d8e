# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the documentation site: plugin pages from the collection plus every page in docs/.

Usage (what `make docs` runs, with .venv-docs/bin first on PATH and the collection findable through
ANSIBLE_COLLECTIONS_PATH)::

    python docs/site/build.py --out build/docs [--changelog build/changelog/CHANGELOG.md]

Steps: stage docs/**/*.md (docs/site excepted) and docs/site/index.rst into OUT/src; let
antsibull-docs write a page for every plugin and role of the installed collection into
OUT/src/collections; stage the release notes preview of `make changelog` as changelog.md; check
that each module and filter page has examples and return values; run Sphinx with warnings as errors
into OUT/html. New plugins and new docs/*.md pages appear without editing anything here.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import shutil
import subprocess
import sys

COLLECTION = "proxyfleet.windows"
SITE_DIR = pathlib.Path(__file__).resolve().parent
DOCS_DIR = SITE_DIR.parent
REPO_DIR = DOCS_DIR.parent
# Plugin types whose pages must show examples and return values (ansible-doc has both for them).
TYPES_WITH_EXAMPLES_AND_RETURNS = ("modules", "filter")


def stage_guide(src: pathlib.Path) -> list[str]:
    """Copy every Markdown page of docs/ (docs/site excepted) to the same relative path under src."""
    pages = []
    for page in sorted(DOCS_DIR.rglob("*.md")):
        relative = page.relative_to(DOCS_DIR)
        if relative.parts[0] == SITE_DIR.name:
            continue
        target = src / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
        pages.append(relative.as_posix())
    shutil.copyfile(SITE_DIR / "index.rst", src / "index.rst")
    return pages


def generate_plugin_pages(src: pathlib.Path) -> None:
    """Let antsibull-docs write one page per plugin and role of the installed collection."""
    src.chmod(0o755)  # antsibull-docs refuses a destination others can write to
    run(
        [
            "antsibull-docs",
            "--config-file",
            str(SITE_DIR / "antsibull-docs.cfg"),
            "collection",
            "--use-current",
            "--fail-on-error",
            "--dest-dir",
            str(src),
            COLLECTION,
        ]
    )


def plugin_names(plugin_type: str) -> list[str]:
    """Names of the collection's public plugins of one type, from the plugin directory."""
    directory = REPO_DIR / "plugins" / plugin_type
    if not directory.is_dir():
        return []
    names = set()
    for path in directory.iterdir():
        if path.name.startswith("_") or path.suffix not in (".py", ".yml", ".yaml"):
            continue
        if plugin_type == "filter" and path.suffix == ".py":
            continue  # filter files hold several filters; each filter is documented by its .yml
        names.add(path.stem)
    return sorted(names)


def check_plugin_pages(src: pathlib.Path) -> list[str]:
    """Every public plugin has a page; module and filter pages have examples and return values."""
    problems = []
    pages_dir = src / "collections" / "proxyfleet" / "windows"
    plugin_types = [p.name for p in (REPO_DIR / "plugins").iterdir() if p.is_dir()]
    for plugin_type in sorted(plugin_types):
        if plugin_type in ("action", "doc_fragments", "module_utils", "plugin_utils"):
            continue  # not user-facing plugins: they have no page of their own
        page_type = "module" if plugin_type == "modules" else plugin_type
        for name in plugin_names(plugin_type):
            page = pages_dir / f"{name}_{page_type}.rst"
            if not page.is_file():
                problems.append(f"no page for {page_type} {COLLECTION}.{name} ({page.relative_to(src)})")
                continue
            if plugin_type in TYPES_WITH_EXAMPLES_AND_RETURNS:
                text = page.read_text(encoding="utf-8")
                for heading in ("Examples", "Return Value"):
                    if f"\n{heading}" not in text:
                        problems.append(f"{page_type} {COLLECTION}.{name} has no {heading} section")
    return problems


def run(command: list[str], cwd: pathlib.Path | None = None) -> None:
    print("    " + " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=cwd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO_DIR / "build" / "docs"), help="output directory")
    parser.add_argument("--changelog", help="rendered CHANGELOG.md to publish as the changelog page")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out).resolve() / "html"
    src = out.parent / "src"
    shutil.rmtree(out.parent, ignore_errors=True)
    src.mkdir(parents=True)

    pages = stage_guide(src)
    if args.changelog:
        shutil.copyfile(args.changelog, src / "changelog.md")
        pages.append("changelog.md")
    print(f"    staged {len(pages)} guide pages: {', '.join(pages)}")
    generate_plugin_pages(src)
    problems = check_plugin_pages(src)
    if problems:
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    # -n: every reference must resolve; -W --keep-going: report every warning, then fail.
    run(
        ["sphinx-build", "-q", "-n", "-W", "--keep-going", "-b", "html", "-c", str(SITE_DIR), str(src), str(out)],
        cwd=REPO_DIR,
    )
    print(f"    site: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
