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
  - A host on which no setting was checked is C(not_assessed), never compliant, with the reason why (no role or
    task of the collection applied to it, every such task was skipped, the tasks that ran return findings only,
    or the play never got to it). Every host of a play that runs a task of the collection is in the report, so
    a host the play never reached is listed too.
  - At the end of the run it writes C(compliance.json) (a versioned schema, see C(docs/reports.md)),
    C(compliance.junit.xml), C(compliance.csv) and a self-contained C(compliance.html) to O(output_dir), and prints
    a short summary table.
  - With O(artifact_query), it also writes what that JMESPath expression selects from the report document, as
    C(artifact) in C(compliance.json) and as C(compliance.artifact.json) beside it; C(playbooks/compliance.yml)
    publishes the same selection as the AWX job artifact C(proxyfleet_compliance_selection) when the same
    variable is set.
  - A callback cannot publish AWX artifacts itself. AWX takes them from the C(artifact_data) of the
    C(playbook_on_stats) event that ansible-runner's stdout callback emits, and ansible-core calls the stdout
    callback first (in C(lib/ansible/executor/task_queue_manager.py), ansible-core 2.21 C(load_callbacks) appends
    it to C(_callback_plugins) before any other callback, and 2.16 C(send_callback) iterates
    C([self._stdout_callback] + self._callback_plugins)), so that event has been emitted before this callback gets
    the final stats. The artifact is published by an C(ansible.builtin.set_stats) task instead.
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
      - Make C(ansible-playbook) exit with code 2 when any host drifts, is unknown or is not assessed (unless
        O(allow_not_assessed)), for alerting and for failing an AWX job.
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
  allow_not_assessed:
    description:
      - With O(fail_on_drift), do not fail the run for hosts that are not assessed (no setting checked on them),
        for playbooks that deliberately check only some of the hosts they target. They are still reported as
        C(not_assessed), never as compliant.
    type: bool
    default: false
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_ALLOW_NOT_ASSESSED
    ini:
      - section: proxyfleet_compliance_report
        key: allow_not_assessed
    vars:
      - name: proxyfleet_compliance_report_allow_not_assessed
  report_mode:
    description:
      - File mode of the report files, as an octal string such as V(0600) or V(0640); the owner must be able to
        read and write them. Quote it in YAML (an unquoted V(0640) is the number 416 there).
      - The default keeps the reports, which name hosts, proxies and findings, readable by their owner only.
    type: str
    default: "0600"
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_MODE
    ini:
      - section: proxyfleet_compliance_report
        key: report_mode
    vars:
      - name: proxyfleet_compliance_report_mode
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
    description: The title of the HTML page (its C(<title>) and heading).
    type: str
    default: Proxy compliance
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_TITLE
    ini:
      - section: proxyfleet_compliance_report
        key: title
    vars:
      - name: proxyfleet_compliance_report_title
  previous:
    description:
      - The C(compliance.json) of an earlier run. The report then says, per host and for the fleet, what changed
        since then (newly drifted, fixed, still drifted, newly unreachable, new and resolved findings), as C(trend) and
        C(hosts[].trend) in the JSON file, a C(trend) column in the CSV file, cards and a marker per host in the HTML
        page, and a line in the summary. Reports of schema versions 1 to 3 are read.
      - A file that is missing, unreadable or not a compliance report is named in an error, and the report is
        written without a trend.
    type: path
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_PREVIOUS
    ini:
      - section: proxyfleet_compliance_report
        key: previous
    vars:
      - name: proxyfleet_compliance_report_previous
  artifact_query:
    description:
      - A JMESPath expression over the report document (the C(compliance.json) schema, see C(docs/reports.md)), for
        example the names of the drifted hosts with a high finding; C(docs/reports.md) has that expression. What it
        selects is written as C(artifact) (C({query, selection})) in C(compliance.json) and as
        C(compliance.artifact.json) (the same object) beside the report files, whatever O(formats) says.
      - C(playbooks/compliance.yml) publishes the same selection as the AWX job artifact
        C(proxyfleet_compliance_selection) when the variable C(proxyfleet_compliance_report_artifact_query) is
        set, so one survey variable gives both.
      - An expression that is not valid JMESPath is reported (naming this option) when the play starts, and no
        selection is written; with O(fail_on_drift) that fails the run like an unwritten report. The Python
        package C(jmespath) is needed on the controller (it is in the execution environment).
    type: str
    env:
      - name: PROXYFLEET_COMPLIANCE_REPORT_ARTIFACT_QUERY
    ini:
      - section: proxyfleet_compliance_report
        key: artifact_query
    vars:
      - name: proxyfleet_compliance_report_artifact_query
"""

import datetime
import os
import typing as t

from ansible import context
from ansible.errors import AnsibleError
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ansible_version
from ansible.template import Templar

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_files import (
    parse_mode,
    unknown_formats,
    write_artifact,
    write_reports,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_formats import console_summary
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_load import ReportFileError, read_report
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import (
    ComplianceReport,
    is_collection_action,
    no_cyclic_gc,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_query import (
    ReportQueryError,
    compile_query,
    run_query,
)
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_trend import add_trend

# What ansible-playbook itself returns for failed hosts: AWX, cron and CI all read it as a failure.
EXIT_DRIFT = 2
_VAR_NAMES = (
    "proxyfleet_compliance_report_dir",
    "proxyfleet_compliance_report_formats",
    "proxyfleet_compliance_report_fail_on_drift",
    "proxyfleet_compliance_report_allow_not_assessed",
    "proxyfleet_compliance_report_mode",
    "proxyfleet_compliance_report_summary",
    "proxyfleet_compliance_report_title",
    "proxyfleet_compliance_report_previous",
    "proxyfleet_compliance_report_artifact_query",
)
QUERY_OPTION = "compliance_report: artifact_query"


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
        # The hosts of the current play, added to the report once a task of the collection starts in it.
        self.play_name = ""
        self.play_hosts: list[str] = []
        self.mode_error = ""
        self.query_error = ""

    def v2_playbook_on_start(self, playbook: t.Any) -> None:
        self.playbooks.append(os.path.basename(str(playbook._file_name)))

    def v2_playbook_on_play_start(self, play: t.Any) -> None:
        # Extra vars (AWX surveys) and play vars can set the options that document `vars`.
        variables = play.get_variable_manager().get_vars(play=play)
        self.play_name = str(play.get_name() or "unnamed play").strip()
        self.play_hosts = self._hosts_of(play, variables)
        wanted = {name: variables[name] for name in _VAR_NAMES if name in variables}
        if wanted:
            # Rendered like task arguments: "/reports/{{ awx_job_id }}" names one directory per job.
            templar = Templar(loader=play._loader, variables=variables)
            try:
                self.set_options(var_options={name: templar.template(value) for name, value in wanted.items()})
            except AnsibleError as exc:
                self._display.warning(f"compliance_report: options from {', '.join(wanted)} not used: {exc}")
        self._check_mode_option()
        self._check_query_option()

    def _check_mode_option(self) -> None:
        """Say at once, not only at the end of a long run, that report_mode will keep the report from being written."""
        try:
            parse_mode(self.get_option("report_mode"))
        except ValueError as exc:
            message = f"compliance_report: {exc}; the report will not be written"
            if message != self.mode_error:
                self._display.error(message)
            self.mode_error = message

    def _check_query_option(self) -> None:
        """Say at once that artifact_query is not JMESPath: its selection will not be written."""
        try:
            self._compiled_query()
        except ReportQueryError as exc:
            message = f"{exc}; no selection will be written"
            if message != self.query_error:
                self._display.error(message)
            self.query_error = message

    def _compiled_query(self) -> t.Any:
        """The compiled artifact_query, None when it is not set; ReportQueryError names the option."""
        query = self.get_option("artifact_query")
        if query is None or query == "":
            return None
        return compile_query(query, QUERY_OPTION)

    def _hosts_of(self, play: t.Any, variables: dict[str, t.Any]) -> list[str]:
        """The hosts the play targets after --limit (empty if unknowable).

        Every serial batch starts the play again with the inventory restricted to the batch: the restriction is
        ignored, so the hosts of batches the play never gets to (max_fail_percentage) are reported too.
        """
        try:
            pattern = Templar(loader=play._loader, variables=variables).template(play.hosts) or "all"
            inventory = play.get_variable_manager()._inventory
            return [host.get_name() for host in inventory.get_hosts(pattern, ignore_restrictions=True)]
        except Exception as exc:  # the report must still be written: say what it misses
            self._display.warning(
                f"compliance_report: hosts of play '{self.play_name}' unknown, hosts it never reached are not listed: "
                f"{exc}"
            )
            return []

    def v2_playbook_on_task_start(self, task: t.Any, is_conditional: bool) -> None:
        # A play that runs a task of the collection is a compliance play: each of its hosts must be accounted for.
        if self.play_hosts and is_collection_action(str(getattr(task, "resolved_action", None) or task.action)):
            for host in self.play_hosts:
                self.report.expect(host, self.play_name)
            self.play_hosts = []

    def v2_runner_on_skipped(self, result: t.Any) -> None:
        if not _is_loop(result):
            self.report.add_skipped(result._host.get_name(), _action_of(result))

    def v2_runner_item_on_skipped(self, result: t.Any) -> None:
        self.report.add_skipped(result._host.get_name(), _action_of(result))

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
        with no_cyclic_gc():
            self._write_report()

    def _write_report(self) -> None:
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
        self._add_trend(document)
        artifact, artifact_wanted = self._artifact(document)
        if artifact is not None:
            document["artifact"] = artifact
        written: list[str] = []
        try:
            mode = parse_mode(self.get_option("report_mode"))
            written = write_reports(
                document, self.get_option("output_dir"), formats, title=str(self.get_option("title")), mode=mode
            )
            if artifact is not None:
                written.append(write_artifact(artifact, self.get_option("output_dir"), mode=mode))
        except ValueError as exc:
            self._display.error(f"compliance_report: report not written: {exc}")
        except OSError as exc:
            self._display.error(f"compliance_report: cannot write the report to {self.get_option('output_dir')}: {exc}")
        if self.get_option("summary"):
            self._display.display(console_summary(document, written))
        totals = document["totals"]
        # A report (or a selection asked for) that could not be written is as much a reason to alert as drift.
        unwritten = len(written) < len(formats) + int(artifact_wanted)
        not_assessed = 0 if self.get_option("allow_not_assessed") else totals["not_assessed"]
        if self.get_option("fail_on_drift") and (totals["drifted"] or totals["unknown"] or not_assessed or unwritten):
            self._display.error(
                f"compliance_report: fail_on_drift: {totals['drifted']} host(s) drifted, {totals['unknown']} unknown, "
                f"{totals['not_assessed']} not assessed{' (allowed)' if totals['not_assessed'] > not_assessed else ''}"
                f"{', report not written' if unwritten else ''}; exiting with {EXIT_DRIFT}"
            )
            # ansible-core catches Exception from callbacks and turns it into a warning; SystemExit is not an
            # Exception, so it ends ansible-playbook (its own cleanup runs in finally blocks) with this code.
            raise SystemExit(EXIT_DRIFT)

    def _artifact(self, document: dict[str, t.Any]) -> tuple[dict[str, t.Any] | None, bool]:
        """``({query, selection}, True)`` for artifact_query; ``(None, True)`` when it fails; ``(None, False)`` unset.

        The selection is taken from the document as the files hold it (trend included), before it gets the
        ``artifact`` key itself.
        """
        try:
            compiled = self._compiled_query()
            if compiled is None:
                return None, False
            return {"query": compiled.expression, "selection": run_query(compiled, document, QUERY_OPTION)}, True
        except ReportQueryError as exc:
            self._display.error(f"{exc}; no selection written")
            return None, True

    def _add_trend(self, document: dict[str, t.Any]) -> None:
        previous = self.get_option("previous")
        if not previous:
            return
        try:
            add_trend(document, read_report(previous), str(previous))
        except ReportFileError as exc:
            self._display.error(f"compliance_report: previous: {exc}; the report is written without a trend")


def _is_loop(result: t.Any) -> bool:
    task = result._task
    return getattr(task, "loop", None) is not None or bool(getattr(task, "loop_with", None))
