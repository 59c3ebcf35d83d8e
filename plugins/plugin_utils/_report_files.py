# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the compliance report files into a directory (internal use only)."""

from __future__ import annotations

import os
import tempfile
import typing as t
from pathlib import Path

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _report_formats, _report_html

# Format name (as the callback's `formats` option spells it) -> file name and writer.
FORMATS: dict[str, tuple[str, t.Callable[[t.Mapping[str, t.Any]], str]]] = {
    "json": ("compliance.json", _report_formats.to_json),
    "junit": ("compliance.junit.xml", _report_formats.to_junit),
    "csv": ("compliance.csv", _report_formats.to_csv),
    "html": ("compliance.html", _report_html.to_html),
}


def unknown_formats(formats: t.Iterable[str]) -> list[str]:
    return [name for name in formats if name not in FORMATS]


def write_reports(
    document: t.Mapping[str, t.Any], directory: str | os.PathLike[str], formats: t.Iterable[str]
) -> list[str]:
    """Write each format; each file is replaced whole (a reader never sees half a report). Returns the paths."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in formats:
        file_name, render = FORMATS[name]
        path = target / file_name
        handle, temporary = tempfile.mkstemp(prefix=f".{file_name}.", dir=target)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(render(document))
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written.append(str(path))
    return written
