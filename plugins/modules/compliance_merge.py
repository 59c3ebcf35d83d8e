#!/usr/bin/python
# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of proxyfleet.windows.compliance_merge; the action plugin does the work."""

from __future__ import annotations

DOCUMENTATION = r"""
module: compliance_merge
short_description: Merge the compliance reports of a sliced run into one fleet report, with trends
version_added: 0.1.0
description:
  - Reads the C(compliance.json) files the C(proxyfleet.windows.compliance_report) callback wrote in each slice of a
    sliced run (AWX / Automation Platform job slicing, or several controllers) and writes the fleet's report in every
    format the callback writes (C(compliance.json), C(compliance.junit.xml), C(compliance.csv), C(compliance.html)),
    with totals and per-surface counts recomputed over the whole fleet.
  - Runs on the controller and never connects to a host; run it once, on C(localhost) (C(delegate_to) and
    C(run_once), or a play on C(localhost)).
  - Every slice is read with a size bound and shape-checked; a missing, unreadable or damaged slice, a glob that
    matches nothing, or a slice of a newer schema version fails the task with the file and the field named, and
    nothing is written. Slices of schema versions 1 to 4 may be mixed; the merged report is version 4.
  - The result lists the slices that went in (RV(slices)).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.conn
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The action plugin of the same name does all the work on the controller.
  action_group:
    support: none
    membership: []
  async:
    support: none
  become:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details: Reads and merges the slices and returns the totals; writes no file.
  connection:
    support: none
    details: It never connects to a host.
  delegation:
    support: none
    details: It runs on the controller whatever host the task is for; use C(run_once).
  diff_mode:
    support: none
    details: Writes report files only; there is nothing to diff.
  idempotent:
    support: none
    description: Whether running the task again with the same options reports C(changed=false).
    details: Each run writes the report files again (with a new generation time) and reports C(changed).
  platform:
    support: full
    platforms: posix
    details: Runs on the Ansible controller (or the execution node of an AWX job).
options:
  src:
    description:
      - The slices' C(compliance.json) files, as paths or glob patterns (V(/reports/job-42/*/compliance.json));
        a pattern stands for the files it matches, sorted by name. A file named twice is read once.
      - Relative paths are relative to the directory C(ansible-playbook) runs in.
      - At most 10,000 entries of at most 4,096 characters.
    type: list
    elements: str
    required: true
  dest:
    description:
      - Directory the fleet report's files are written to; created when missing.
      - At most 4,096 characters.
    type: path
    required: true
  formats:
    description: The files to write, as the callback's C(formats) option.
    type: list
    elements: str
    choices: [json, junit, csv, html]
    default: [json, junit, csv, html]
  previous:
    description:
      - The C(compliance.json) of an earlier run (merged or not). The report then says, per host and for the fleet,
        what changed since (RV(trend), C(hosts[].trend)); see C(docs/reports.md), "Trends".
      - At most 4,096 characters.
    type: path
  duplicates:
    description:
      - What to do with a host found in more than one slice. The slices of one run hold each host once, so by default
        V(fail) fails the task naming the host and both files.
      - V(newest) keeps the host of the slice whose C(run.generated_at) is latest (the later slice in O(src) order on
        a tie), for merging a re-run of some slices with the first run; RV(slices[].hosts_kept) says what each slice
        kept.
    type: str
    choices: [fail, newest]
    default: fail
  expected_slices:
    description:
      - The number of slice files O(src) must name; the task fails when it names more or fewer (a slice that did not
        write its report). Omitted - any number of one or more.
    type: int
  title:
    description:
      - The title of the HTML page.
      - At most 200 characters.
    type: str
    default: Proxy compliance
  report_mode:
    description:
      - File mode of the report files, an octal string such as V(0600) or V(0640) (quoted in YAML); the owner must be
        able to read and write them.
    type: str
    default: "0600"
  summary_limit:
    description: At most this many host names in each list of RV(summary).
    type: int
    default: 100
seealso:
  - module: proxyfleet.windows.proxy_baseline
notes:
  - The files of a slice are trusted no further than their shape; a value that is not one of the shapes of the
    schema fails the merge. A slice must come from a C(proxyfleet.windows) collection of the same or an older
    version than the one merging.
  - With several slices, they are read and checked by up to four forked processes at once, one per CPU the
    controller process may use (in the process itself when it runs threads or the platform has no fork); the
    result and every error are the same either way. Each reader holds one parsed slice at a time.
author:
  - proxyfleet.windows contributors (@proxyfleet)
"""

EXAMPLES = r"""
- name: Merge the slices of the compliance job into one fleet report, and compare it with last week's
  proxyfleet.windows.compliance_merge:
    src:
      - /reports/proxy/{{ awx_workflow_job_id }}/*/compliance.json
    dest: /reports/proxy/{{ awx_workflow_job_id }}/fleet
    previous: /reports/proxy/latest/compliance.json
    expected_slices: 4
  delegate_to: localhost
  run_once: true
  register: fleet

- name: Publish the fleet's summary as job artifacts
  run_once: true
  ansible.builtin.set_stats:
    per_host: false
    aggregate: false
    data:
      proxyfleet_compliance: "{{ fleet.summary }}"
"""

RETURN = r"""
files:
  description: The report files written (none in check mode).
  returned: always
  type: list
  elements: str
  sample: [/reports/proxy/fleet/compliance.json, /reports/proxy/fleet/compliance.html]
slices:
  description: Each slice that went in, in the order read.
  returned: success
  type: list
  elements: dict
  contains:
    file:
      description: The path of the slice's compliance.json.
      type: str
    generated_at:
      description: When the slice's report was written (its C(run.generated_at)).
      type: str
    schema_version:
      description: The schema version of the slice.
      type: int
    hosts:
      description: Hosts in the slice.
      type: int
    hosts_kept:
      description:
        - Hosts of the slice in the merged report (fewer than RV(slices[].hosts) only with O(duplicates=newest)).
      type: int
    ansible_version:
      description: The ansible-core version that wrote the slice.
      type: str
readers:
  description:
    - How many processes read and checked the slices at once (1 reads them in the task's own process). One per CPU
      the controller process may use, at most 4 and at most one per slice; 1 where forking is not safe.
  returned: success
  type: int
  sample: 2
totals:
  description: The fleet's totals, as C(totals) of C(compliance.json) (hosts by status, settings, findings).
  returned: success
  type: dict
  sample: {hosts: 19, compliant: 0, drifted: 10, unknown: 0, not_assessed: 9}
surfaces:
  description: Per surface, hosts checked, compliant and drifted, as C(surfaces) of C(compliance.json).
  returned: success
  type: dict
trend:
  description: What changed since O(previous), as C(trend) of C(compliance.json).
  returned: when O(previous) is given
  type: dict
  sample: {newly_drifted: 2, fixed: 3, still_drifted: 7, newly_unreachable: 0, new_findings: 1, resolved_findings: 4}
summary:
  description:
    - The summary the C(proxyfleet.windows.compliance_summary) filter gives, for C(set_stats) (counts, compliance
      percentage, the first hosts of each bad status), with C(trend) when O(previous) is given.
  returned: success
  type: dict
"""

from ansible_collections.proxyfleet.windows.plugins.module_utils._action_only import main_of_action_plugin
from ansible_collections.proxyfleet.windows.plugins.module_utils._spec_merge import MERGE_SPEC

ARGUMENT_SPEC = MERGE_SPEC


def main() -> None:
    main_of_action_plugin(ARGUMENT_SPEC, "proxyfleet.windows.compliance_merge")


if __name__ == "__main__":
    main()
