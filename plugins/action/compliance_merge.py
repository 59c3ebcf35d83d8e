# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of proxyfleet.windows.compliance_merge: slices' compliance.json in, one fleet report out."""

from __future__ import annotations

import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_merge import MERGE_SPEC
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_files import parse_mode, write_reports
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_load import ReportFileError, read_report
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_merge import (
    MAX_SLICES,
    MergeError,
    expand_slices,
    merge_reports,
    readers_for,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import no_cyclic_gc, stats_summary
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_trend import add_trend, trend_summary
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._task_args import (
    TaskInputError,
    reports_input_errors,
    validated_args,
)

FQCN = "proxyfleet.windows.compliance_merge"
# PATH_MAX of Linux, where controllers and execution environments run; a page title fits on one line.
MAX_PATH = 4096
MAX_TITLE = 200


class ActionModule(ActionBase):
    """Reads, checks and merges the slices on the controller; writes the report files the callback writes."""

    TRANSFERS_FILES = False
    _requires_connection = False

    @reports_input_errors
    def run(self, tmp: str | None = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        result: dict[str, t.Any] = super().run(tmp, task_vars)
        del tmp
        args = validated_args(self, MERGE_SPEC, FQCN)
        mode = self._checked_options(args)
        with no_cyclic_gc():
            return self._merge(result, args, mode)

    def _merge(self, result: dict[str, t.Any], args: dict[str, t.Any], mode: int) -> dict[str, t.Any]:
        try:
            paths = expand_slices(args["src"])
            if args["expected_slices"] is not None and len(paths) != args["expected_slices"]:
                raise MergeError(
                    f"expected_slices is {args['expected_slices']}, but src names {len(paths)} file(s): "
                    f"{', '.join(paths[:20])}"
                )
            readers = readers_for(len(paths))
            document = merge_reports(paths, duplicates=args["duplicates"], readers=readers)
            if args["previous"]:
                add_trend(document, read_report(args["previous"]), args["previous"])
        except (MergeError, ReportFileError) as exc:
            return {**result, "failed": True, "changed": False, "files": [], "msg": f"{FQCN}: {exc}"}
        files: list[str] = []
        if not self._task.check_mode:
            try:
                files = write_reports(document, args["dest"], args["formats"], title=args["title"], mode=mode)
            except OSError as exc:
                return {**result, "failed": True, "changed": False, "files": [], "msg": f"{FQCN}: dest: {exc}"}
        summary = stats_summary(document, args["summary_limit"])
        if "trend" in document:
            summary["trend"] = trend_summary(document, args["summary_limit"])
        result.update(
            changed=True,
            files=files,
            slices=document["run"]["slices"],
            readers=readers,
            totals=document["totals"],
            surfaces=document["surfaces"],
            summary=summary,
            **({"trend": document["trend"]} if "trend" in document else {}),
        )
        return result

    @staticmethod
    def _checked_options(args: dict[str, t.Any]) -> int:
        """The file mode; every option is checked before a slice is read."""
        if not args["src"] or any(not isinstance(item, str) or not item for item in args["src"]):
            raise TaskInputError(f"{FQCN}: src must be a list of paths or glob patterns of compliance.json files")
        if len(args["src"]) > MAX_SLICES or any(len(item) > MAX_PATH for item in args["src"]):
            raise TaskInputError(
                f"{FQCN}: src takes at most {MAX_SLICES:,} paths or patterns of at most {MAX_PATH:,} characters each"
            )
        for name in ("dest", "previous"):
            if len(args[name] or "") > MAX_PATH:
                raise TaskInputError(f"{FQCN}: {name} must be a path of at most {MAX_PATH:,} characters")
        if len(args["title"]) > MAX_TITLE:
            raise TaskInputError(f"{FQCN}: title must be at most {MAX_TITLE} characters, got {len(args['title'])}")
        if args["expected_slices"] is not None and args["expected_slices"] < 1:
            raise TaskInputError(f"{FQCN}: expected_slices must be a positive integer, got {args['expected_slices']}")
        if args["summary_limit"] < 0:
            raise TaskInputError(f"{FQCN}: summary_limit must be a non-negative integer, got {args['summary_limit']}")
        try:
            return parse_mode(args["report_mode"])
        except ValueError as exc:
            raise TaskInputError(f"{FQCN}: {exc}") from None
