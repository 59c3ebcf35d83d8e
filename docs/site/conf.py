# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx configuration of the documentation site (built by docs/site/build.py, `make docs`).

The source directory is a staged copy: the plugin pages antsibull-docs generates from the installed
collection under collections/, every docs/**/*.md page at its own path, and index.rst from here.
Every warning fails the build (`-W`), broken internal links and anchors included; external links
are not checked (the build runs offline).
"""

from __future__ import annotations

import pathlib
import re
import typing as t

from docutils import nodes

project = "proxyfleet.windows"
copyright = "proxyfleet.windows contributors"  # pylint: disable=redefined-builtin
title = "proxyfleet.windows documentation"
html_short_title = "proxyfleet.windows"

extensions = ["sphinx_antsibull_ext", "myst_parser"]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"

# Markdown pages link to each other's headings as page.md#heading-slug; the build fails on a slug
# that does not exist.
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence"]

pygments_style = "ansible"
highlight_language = "YAML+Jinja"

html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
html_use_modindex = False
html_use_index = False
html_copy_source = False
html_theme_options = {"display_version": False}

# Every reference must resolve: a link to a page or option that does not exist is a warning.
nitpicky = True
default_role = "any"

# --- Links that leave the site ------------------------------------------------------------------
# Plugin pages refer to Ansible's own documentation (`action_plugins`, other collections' modules):
# the build is offline, so instead of intersphinx inventories these labels map to their published
# pages. Any other unresolved reference still fails the build.
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/latest/"
ANSIBLE_LABELS = {
    "action_plugins": "plugins/action.html",
    "callback_plugins": "plugins/callback.html",
    "filter_plugins": "plugins/filter.html",
    "inventory_plugins": "plugins/inventory.html",
    "lookup_plugins": "plugins/lookup.html",
    "test_plugins": "plugins/test.html",
    "common_return_values": "reference_appendices/common_return_values.html",
    "ansible_configuration_settings": "reference_appendices/config.html",
}
_OTHER_COLLECTION_PLUGIN = re.compile(r"ansible_collections\.([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)_([a-z]+)$")
# Markdown pages may link to repository files that are not pages of the site (../README.md,
# ../plugins/..., docs/schemas/*.json): such a link becomes a link to the file on the project's web
# site when the file exists, and stays broken (a build warning) when it does not.
REPOSITORY_URL = "https://github.com/proxyfleet/windows/blob/main/"
REPO_DIR = pathlib.Path(__file__).resolve().parents[2]
_MARKDOWN_LINK = re.compile(r"\]\(([^)\s#]+)(#[^)\s]*)?\)")


def _ansible_docs_uri(reftype: str, target: str) -> str | None:
    if reftype == "envvar":
        # Ansible's own settings (ANSIBLE_CALLBACKS_ENABLED, ...) are documented on its configuration page.
        if target.startswith("ANSIBLE_"):
            return f"{ANSIBLE_DOCS}reference_appendices/config.html#envvar-{target}"
        return None
    if target in ANSIBLE_LABELS:
        return ANSIBLE_DOCS + ANSIBLE_LABELS[target]
    match = _OTHER_COLLECTION_PLUGIN.match(target)
    if match and (match.group(1), match.group(2)) != ("proxyfleet", "windows"):
        namespace, name, plugin, plugin_type = match.groups()
        return f"{ANSIBLE_DOCS}collections/{namespace}/{name}/{plugin}_{plugin_type}.html"
    return None


def resolve_ansible_docs_reference(app: t.Any, env: t.Any, node: t.Any, contnode: t.Any) -> t.Any:
    """Turn a reference to a label of Ansible's published documentation into a link to it."""
    del app, env
    if node.get("reftype") not in ("ref", "envvar"):
        return None
    uri = _ansible_docs_uri(node["reftype"], node["reftarget"])
    if uri is None:
        return None
    reference = nodes.reference("", "", internal=False, refuri=uri)
    reference += contnode
    return reference


def link_repository_files(app: t.Any, docname: str, source: list[str]) -> None:
    """Point Markdown links that leave docs/ at the repository file, if that file exists."""
    path = pathlib.Path(app.env.doc2path(docname))
    if path.suffix != ".md":
        return
    page_dir = (REPO_DIR / "docs" / docname).parent

    def rewrite(match: re.Match[str]) -> str:
        target, anchor = match.group(1), match.group(2) or ""
        if "://" in target or target.startswith("mailto:"):
            return match.group(0)
        resolved = (page_dir / target).resolve()
        is_page = resolved.is_relative_to(REPO_DIR / "docs") and resolved.suffix in (".md", ".rst")
        if is_page or not resolved.is_file() or not resolved.is_relative_to(REPO_DIR):
            return match.group(0)
        return f"]({REPOSITORY_URL}{resolved.relative_to(REPO_DIR).as_posix()}{anchor})"

    source[0] = _MARKDOWN_LINK.sub(rewrite, source[0])


def setup(app: t.Any) -> dict[str, t.Any]:
    app.connect("missing-reference", resolve_ansible_docs_reference)
    app.connect("source-read", link_repository_files)
    return {"parallel_read_safe": True}
