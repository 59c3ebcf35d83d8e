# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Callback compliance_report: the proxy compliance of every host a run checked, in four files."""

from __future__ import annotations

DOCUMENTATION = r"""
name: compliance_report
type: aggregate
short_description: Write a proxy compliance report (JSON, JUnit XML, CSV, HTML) at the end of a run
version_added: 0.1.0
author: proxyfleet.windows contributors (@proxyfleet)
description:
  - Collects C(drift), C(findings) and Group Policy owners from every task result of any module of the
    C(proxyfleet.windows) collection (recognised by the task's resolved action name, so FQCNs, short names under
    C(collections:) and action groups all count), per host and setting. Tasks of other collections are ignored.
  - A host that was unreachable, or where a task failed, is C(unknown), never compliant.
  - At the end of the run it writes C(compliance.json) (a versioned schema, see C(docs/reports.md)),
    C(compliance.junit.xml), C(compliance.csv) and a self-contained C(compliance.html) to O(output_dir), and prints
    a short summary table.
  - Options named with C(vars) are read from extra vars (C(-e), AWX surveys) and play vars at the start of each play.
requirements:
  - Enable it with C(callbacks_enabled = proxyfleet.windows.compliance_report) in C(ansible.cfg) or
    E(ANSIBLE_CALLBACKS_ENABLED).
options:
  output_dir:
    description:
      - Directory the report files are written to; created when missing. Relative paths are relative to the
        directory C(ansible-playbook) runs in.
    type: path
    default: compliance-report
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_DIR
    ini:
      - section: proxyfleet_compliance_report
        key: output_dir
    vars:
      - name: proxyfleet_compliance_report_dir
  formats:
    description: The files to write.
    type: list
    elements: str
    choices: [json, junit, csv, html]
    default: [json, junit, csv, html]
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_FORMATS
    ini:
      - section: proxyfleet_compliance_report
        key: formats
    vars:
      - name: proxyfleet_compliance_report_formats
  fail_on_drift:
    description:
      - Make C(ansible-playbook) exit with code 2 when any host drifts or is unknown, for alerting and for failing
        an AWX job.
      - The report files and the summary are written first; the exit is raised when ansible-core hands the final
        stats to this callback, after the stdout callback has printed its recap. Aggregate callbacks enabled after
        this one then get no final stats, so list this one last in C(callbacks_enabled).
    type: bool
    default: false
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_FAIL_ON_DRIFT
    ini:
      - section: proxyfleet_compliance_report
        key: fail_on_drift
    vars:
      - name: proxyfleet_compliance_report_fail_on_drift
  summary:
    description: Print the summary table (hosts by status, compliance per surface) at the end of the run.
    type: bool
    default: true
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_SUMMARY
    ini:
      - section: proxyfleet_compliance_report
        key: summary
    vars:
      - name: proxyfleet_compliance_report_summary
  title:
    description: The title of the HTML page.
    type: str
    default: Proxy compliance
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_TITLE
    ini:
      - section: proxyfleet_compliance_report
        key: title
    vars:
      - name: proxyfleet_compliance_report_title
"""

import datetime
import os
import typing as t

from ansible import context
from ansible.errors import AnsibleError
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ansible_version
from ansible.template import Templar

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_files import unknown_formats, write_reports
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_formats import console_summary
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import (
    ComplianceReport,
    is_collection_action,
)

# What ansible-playbook itself returns for failed hosts: AWX, cron and CI all read it as a failure.
EXIT_DRIFT = 2
_VAR_NAMES = (
    "proxyfleet_compliance_report_dir",
    "proxyfleet_compliance_report_formats",
    "proxyfleet_compliance_report_fail_on_drift",
    "proxyfleet_compliance_report_summary",
    "proxyfleet_compliance_report_title",
)


def _action_of(result: t.Any) -> str:
    task = result._task
    return str(getattr(task, "resolved_action", None) or task.action)


def _message_of(result: t.Any) -> str:
    message = str(result._result.get("msg") or "no message")
    return message if len(message) <= 500 else message[:497] + "..."


class CallbackModule(CallbackBase):
    """Feeds task results to the report model and writes the files at the end; the logic is in plugin_utils."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "proxyfleet.windows.compliance_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = ComplianceReport()
        self.playbooks: list[str] = []

    def v2_playbook_on_start(self, playbook: t.Any) -> None:
        self.playbooks.append(os.path.basename(str(playbook._file_name)))

    def v2_playbook_on_play_start(self, play: t.Any) -> None:
        # Extra vars (AWX surveys) and play vars can set the options that document `vars`.
        variables = play.get_variable_manager().get_vars(play=play)
        wanted = {name: variables[name] for name in _VAR_NAMES if name in variables}
        if wanted:
            # Rendered like task arguments: "/reports/{{ awx_job_id }}" names one directory per job.
            templar = Templar(loader=play._loader, variables=variables)
            try:
                self.set_options(var_options={name: templar.template(value) for name, value in wanted.items()})
            except AnsibleError as exc:
                self._display.warning(f"compliance_report: options from {', '.join(wanted)} not used: {exc}")

    def v2_runner_on_ok(self, result: t.Any) -> None:
        # A loop's items arrive one by one in v2_runner_item_on_ok; its summary here adds nothing. (Not
        # told by a "results" key: proxy_endpoint_check returns one of its own.)
        if not _is_loop(result):
            self.report.add_result(result._host.get_name(), _action_of(result), result._result)

    def v2_runner_item_on_ok(self, result: t.Any) -> None:
        self.report.add_result(result._host.get_name(), _action_of(result), result._result)

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        action = _action_of(result)
        # A failed check of ours makes the host unknown even when ignored; another task only when not ignored.
        if is_collection_action(action) or not ignore_errors:
            self.report.add_failure(result._host.get_name(), action, _message_of(result))

    def v2_runner_item_on_failed(self, result: t.Any) -> None:
        action = _action_of(result)
        if is_collection_action(action):
            self.report.add_failure(result._host.get_name(), action, _message_of(result))

    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        self.report.add_failure(result._host.get_name(), _action_of(result), _message_of(result), unreachable=True)

    def v2_playbook_on_stats(self, stats: t.Any) -> None:
        formats = list(self.get_option("formats"))
        bad = unknown_formats(formats)
        if bad:
            self._display.warning(f"compliance_report: formats {bad} are not among json, junit, csv, html; skipped")
            formats = [name for name in formats if name not in bad]
        document = self.report.document(
            {
                "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "ansible_version": ansible_version,
                "playbooks": self.playbooks,
                "check_mode": bool(context.CLIARGS.get("check", False)),
            }
        )
        written: list[str] = []
        try:
            written = write_reports(document, self.get_option("output_dir"), formats)
        except OSError as exc:
            self._display.error(f"compliance_report: cannot write the report to {self.get_option('output_dir')}: {exc}")
        if self.get_option("summary"):
            self._display.display(console_summary(document, written))
        totals = document["totals"]
        # A report that could not be written is as much a reason to alert as drift.
        unwritten = len(written) < len(formats)
        if self.get_option("fail_on_drift") and (totals["drifted"] or totals["unknown"] or unwritten):
            self._display.error(
                f"compliance_report: fail_on_drift: {totals['drifted']} host(s) drifted, "
                f"{totals['unknown']} unknown{', report not written' if unwritten else ''}; exiting with {EXIT_DRIFT}"
            )
            # ansible-core catches Exception from callbacks and turns it into a warning; SystemExit is not an
            # Exception, so it ends ansible-playbook (its own cleanup runs in finally blocks) with this code.
            raise SystemExit(EXIT_DRIFT)


def _is_loop(result: t.Any) -> bool:
    task = result._task
    return getattr(task, "loop", None) is not None or bool(getattr(task, "loop_with", None))
