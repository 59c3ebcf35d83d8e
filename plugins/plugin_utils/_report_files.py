# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the compliance report files into a directory (internal use only)."""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
import typing as t
from pathlib import Path

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _report_formats, _report_html

# Format name (as the callback's `formats` option spells it) -> file name and writer. A writer gets the
# document, the page title (only the HTML page has one) and the file, which it writes in pieces: a
# 100,000-host report is never one string in memory.
FORMATS: dict[str, tuple[str, t.Callable[[t.Mapping[str, t.Any], str, t.TextIO], None]]] = {
    "json": ("compliance.json", lambda document, _title, out: _report_formats.write_json(document, out)),
    "junit": ("compliance.junit.xml", lambda document, _title, out: _report_formats.write_junit(document, out)),
    "csv": ("compliance.csv", lambda document, _title, out: _report_formats.write_csv(document, out)),
    "html": ("compliance.html", _report_html.write_html),
}
DEFAULT_TITLE = "Proxy compliance"
# The callback's artifact_query selection, beside the report files (docs/reports.md).
ARTIFACT_FILE = "compliance.artifact.json"
# Reports name hosts, proxies and findings of a fleet: readable by their owner only unless report_mode says so.
DEFAULT_MODE = 0o600
_OCTAL_MODE = re.compile(r"0?[0-7]{3}")


def unknown_formats(formats: t.Iterable[str]) -> list[str]:
    return [name for name in formats if name not in FORMATS]


def parse_mode(text: t.Any) -> int:
    """The ``report_mode`` option (``"0640"``) as a number; ``ValueError`` naming the option and its form."""
    value = str(text).strip()
    if not _OCTAL_MODE.fullmatch(value):
        raise ValueError(f"report_mode must be an octal file mode such as 0600 or 0640, got {str(text)[:40]!r}")
    mode = int(value, 8)
    if mode & 0o600 != 0o600:
        # Also what YAML 1.1 makes of an unquoted 0640 (the integer 416, read back as "416").
        raise ValueError(
            f"report_mode {value} does not let the owner read and write the files; "
            "give an octal mode such as 0600 or 0640, quoted in YAML"
        )
    return mode


def write_reports(
    document: t.Mapping[str, t.Any],
    directory: str | os.PathLike[str],
    formats: t.Iterable[str],
    *,
    title: str = DEFAULT_TITLE,
    mode: int = DEFAULT_MODE,
) -> list[str]:
    """Write each format; each file is replaced whole (a reader never sees half a report). Returns the paths.

    Each file is created with ``mode`` and then moved over the old one (``_replace``).
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in formats:
        file_name, writer = FORMATS[name]
        written.append(_replace(target, file_name, functools.partial(writer, document, title), mode))
    return written


def write_artifact(
    artifact: t.Mapping[str, t.Any], directory: str | os.PathLike[str], *, mode: int = DEFAULT_MODE
) -> str:
    """Write ``compliance.artifact.json`` (``{"query", "selection"}``) like the report files; returns its path."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)

    def render(stream: t.TextIO) -> None:
        json.dump(artifact, stream, indent=2, ensure_ascii=False)
        stream.write("\n")

    return _replace(target, ARTIFACT_FILE, render, mode)


def _replace(target: Path, file_name: str, render: t.Callable[[t.TextIO], None], mode: int) -> str:
    """Write one file whole (a reader never sees half of it), created with ``mode``, then moved over the old one.

    mkstemp makes it 0600 before a byte is written, so no other user can open it in between.
    """
    path = target / file_name
    handle, temporary = tempfile.mkstemp(prefix=f".{file_name}.", dir=target)
    try:
        # backslashreplace: a lone surrogate from a host's JSON answer cannot be UTF-8; it is written as
        # \udc80 (still valid inside the JSON data island) rather than failing the whole report.
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
            render(stream)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str(path)
