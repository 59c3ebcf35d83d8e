# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""JMESPath queries over the compliance report document (internal use only).

The compliance_summary filter's ``query`` and the compliance_report callback's ``artifact_query`` select
the slice of a run's report that an AWX workflow branches on, for example the drifted hosts with high
findings. jmespath is a controller requirement
(requirements.txt, the execution environment); without it the error says how to get it.
"""

from __future__ import annotations

import typing as t


class ReportQueryError(ValueError):
    """A query option that is not a JMESPath expression, or jmespath is missing; the message names the option."""


def compile_query(query: t.Any, option: str) -> t.Any:
    """Compile ``query`` (a JMESPath expression) once, naming ``option`` in every error.

    Raises:
        ReportQueryError: not a non-empty string, not valid JMESPath, or jmespath is not installed.
    """
    if not isinstance(query, str) or not query.strip():
        raise ReportQueryError(f"{option} must be a JMESPath expression (a non-empty string), got {query!r}")
    try:
        import jmespath
        from jmespath.exceptions import JMESPathError
    except ImportError as exc:
        raise ReportQueryError(
            f"{option} needs the Python package jmespath on the controller (pip install jmespath)"
        ) from exc
    try:
        return jmespath.compile(query)
    except JMESPathError as exc:
        # The parser's own text spans lines (the expression and a caret); its parts fit on one.
        where = getattr(exc, "lex_position", None)
        detail = f"{getattr(exc, 'msg', type(exc).__name__)}" + (f" at character {where}" if where is not None else "")
        raise ReportQueryError(f"{option} is not a valid JMESPath expression ({detail}): {query!r}") from exc


def run_query(compiled: t.Any, document: t.Mapping[str, t.Any], option: str) -> t.Any:
    """What the compiled expression selects from ``document``; a function applied to the wrong type names ``option``.

    Raises:
        ReportQueryError: the expression failed on this document (for example ``length()`` of a number).
    """
    from jmespath.exceptions import JMESPathError

    try:
        return compiled.search(document)
    except JMESPathError as exc:
        detail = " ".join(str(exc).split())
        raise ReportQueryError(f"{option} failed on the report ({detail}): {compiled.expression!r}") from exc
