"""docs/site/build.py: the plugin-page check that makes every plugin appear with examples and returns."""

from __future__ import annotations

import importlib.util
import types
from pathlib import Path

from tests.simfleet import REPO_ROOT


def load_builder() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("docs_site_build", REPO_ROOT / "docs" / "site" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = load_builder()
PAGES = Path("collections") / "proxyfleet" / "windows"
COMPLETE_PAGE = "Title\n=====\n\nExamples\n--------\n\nReturn Values\n-------------\n"


def expected_pages() -> list[str]:
    """Every module and filter of the repository, as antsibull-docs names their pages."""
    modules = [f"{name}_module.rst" for name in BUILD.plugin_names("modules")]
    filters = [f"{name}_filter.rst" for name in BUILD.plugin_names("filter")]
    return modules + filters


def write_pages(src: Path, names: list[str], text: str = COMPLETE_PAGE) -> None:
    (src / PAGES).mkdir(parents=True, exist_ok=True)
    for name in names:
        (src / PAGES / name).write_text(text, encoding="utf-8")


def test_plugin_names_are_the_public_plugins() -> None:
    assert "winhttp_proxy" in BUILD.plugin_names("modules")
    assert "__init__" not in BUILD.plugin_names("modules")
    # Filters are named by their documentation files, not by the Python files that hold several.
    assert "winhttp_settings_decode" in BUILD.plugin_names("filter")
    assert "winhttp_settings" not in BUILD.plugin_names("filter")


def test_complete_pages_pass(tmp_path: Path) -> None:
    pages = expected_pages()
    write_pages(tmp_path, pages)
    for plugin_type in ("callback", "lookup", "inventory", "test"):
        write_pages(tmp_path, [f"{name}_{plugin_type}.rst" for name in BUILD.plugin_names(plugin_type)])
    assert BUILD.check_plugin_pages(tmp_path) == []


def test_a_missing_page_and_a_missing_section_are_named(tmp_path: Path) -> None:
    pages = expected_pages()
    write_pages(tmp_path, [page for page in pages if page != "winhttp_proxy_module.rst"])
    write_pages(tmp_path, ["proxy_facts_module.rst"], "Title\n=====\n\nReturn Values\n-------------\n")
    problems = BUILD.check_plugin_pages(tmp_path)
    assert (
        "no page for module proxyfleet.windows.winhttp_proxy (collections/proxyfleet/windows/winhttp_proxy_module.rst)"
        in problems
    )
    assert "module proxyfleet.windows.proxy_facts has no Examples section" in problems


def test_stage_guide_copies_every_markdown_page(tmp_path: Path) -> None:
    pages = BUILD.stage_guide(tmp_path)
    assert "findings.md" in pages and "dev/agent-protocol.md" in pages
    assert not any(page.startswith("site/") for page in pages)
    assert (tmp_path / "index.rst").read_text(encoding="utf-8") == (
        REPO_ROOT / "docs" / "site" / "index.rst"
    ).read_text(encoding="utf-8")
