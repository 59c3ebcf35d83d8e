# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter compliance_summary: the compliance counts of registered results, as set_stats data for AWX."""

from __future__ import annotations

import collections.abc as c
import typing as t

from ansible.errors import AnsibleFilterError

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_load import ReportFileError, checked_document
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import (
    ComplianceReport,
    plain,
    stats_summary,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_query import ReportQueryError, compile_query
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_trend import add_trend, trend_summary


def compiled_query(query: t.Any) -> t.Any:
    """The compiled ``query`` option, or a filter error naming it (before any result is read)."""
    try:
        return compile_query(query, "compliance_summary: query")
    except ReportQueryError as exc:
        # The message is complete; the cause would only repeat the parser's multi-line text after it.
        raise AnsibleFilterError(str(exc)) from None


def compliance_summary(
    hostvars: t.Any,
    hosts: t.Any,
    registered: t.Any,
    limit: int = 100,
    play_hosts: t.Any = None,
    query: str | None = None,
    previous: t.Any = None,
) -> t.Any:
    """Summarise what ``registered`` (a variable name, or a list of them) holds on each of ``hosts``.

    ``play_hosts`` (``ansible_play_hosts``) tells a host that left the play (failed or unreachable before the
    check, so nothing was registered: unknown) from one the check never ran on (not assessed).
    With ``query``, return what that JMESPath expression selects from the whole report document
    (the compliance.json schema) instead of the summary.
    ``previous`` (an earlier compliance.json, loaded) adds ``trend``: what changed on these hosts since.
    """
    if not isinstance(hostvars, c.Mapping):
        raise AnsibleFilterError(
            f"compliance_summary: input must be hostvars (a mapping), got {type(hostvars).__name__}"
        )
    if isinstance(hosts, str) or not isinstance(hosts, c.Iterable):
        raise AnsibleFilterError("compliance_summary: hosts must be a list of host names, e.g. ansible_play_hosts_all")
    names = [registered] if isinstance(registered, str) else registered
    if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
        raise AnsibleFilterError(
            "compliance_summary: registered must be the name of a registered variable or a list of names, "
            f"got {registered!r}"
        )
    if not isinstance(limit, int) or limit < 0:
        raise AnsibleFilterError(f"compliance_summary: limit must be a non-negative integer, got {limit!r}")
    if play_hosts is not None and (isinstance(play_hosts, str) or not isinstance(play_hosts, c.Iterable)):
        raise AnsibleFilterError("compliance_summary: play_hosts must be a list of host names, e.g. ansible_play_hosts")
    compiled = compiled_query(query) if query is not None else None
    remaining = None if play_hosts is None else {str(host) for host in play_hosts}
    report = ComplianceReport()
    for host in hosts:
        variables = hostvars.get(host, {})
        # Of several names, each host counts with those registered on it (plays target different groups).
        present = [name for name in names if name in variables]
        for name in present:
            report.add_registered(str(host), variables.get(name))
        if present:
            continue
        if remaining is not None and str(host) not in remaining:
            report.add_failure(
                str(host), f"registered '{names[0]}'", "left the play before the check (failed, unreachable or ended)"
            )
        else:
            report.add_registered(str(host), None)
    document = report.document({})
    trend = None
    if previous is not None:
        try:
            earlier = checked_document(plain(previous), "previous")
        except ReportFileError as exc:
            raise AnsibleFilterError(f"compliance_summary: {exc} (give an earlier compliance.json, loaded)") from None
        add_trend(document, earlier, "previous")
        trend = trend_summary(document, limit)
    if compiled is not None:
        return compiled.search(document)
    summary = stats_summary(document, limit)
    if trend is not None:
        summary["trend"] = trend
    return summary


class FilterModule:
    """The compliance summary filter."""

    def filters(self) -> dict[str, t.Callable[..., t.Any]]:
        return {"compliance_summary": compliance_summary}
