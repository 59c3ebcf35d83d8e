"""The compliance_report callback end to end: a check-mode run on a mixed fleet and the four files it writes."""

from __future__ import annotations

import csv
import json
import re
import shutil
import socket
import stat
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import jsonschema

from tests.integration.conftest import HERE, Fleet
from tests.simfleet import REPO_ROOT, ansible_env

ANSIBLE_PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")
SCHEMA = REPO_ROOT / "docs" / "schemas" / "compliance-report-4.schema.json"
CHROMIUM = "/usr/bin/chromium"
OUTPUT = REPO_ROOT / "tests" / "output" / "compliance_report"
BYPASS = '["<local>", "*.corp.example", "*.prod.do.dsp.mp.microsoft.com"]'
PLAY = f"""
- name: Compliance check
  hosts: windows
  gather_facts: false
  tasks:
    - name: Proxy facts
      proxyfleet.windows.proxy_facts:
    - name: Baseline
      proxyfleet.windows.proxy_baseline:
        wininet: {{proxy: proxy.corp.example:8080, bypass: {BYPASS}}}
        winhttp: {{source: wininet}}
        telemetry: {{proxy: proxy.corp.example:8080}}
        defender: {{proxy_server: "http://proxy.corp.example:8080", bypass: {BYPASS}}}
        delivery_optimization: {{download_mode: lan}}
      register: proxy_check
    - name: Publish the summary
      run_once: true
      ansible.builtin.set_stats:
        per_host: false
        aggregate: false
        data:
          proxyfleet_compliance: >-
            {{{{ hostvars | proxyfleet.windows.compliance_summary(ansible_play_hosts_all, 'proxy_check',
               play_hosts=ansible_play_hosts) }}}}

- name: A short module name resolved through the collections keyword
  hosts: clean-host
  gather_facts: false
  collections: [proxyfleet.windows]
  tasks:
    - name: Defender by its short name
      defender_proxy:
        proxy_server: http://proxy.corp.example:8080
        bypass: {BYPASS}
    - name: Telemetry in a loop (its items are the results)
      proxyfleet.windows.telemetry_proxy:
        proxy: "{{{{ item }}}}"
      loop: [proxy.corp.example:8080]

- name: Tasks of other collections are not part of the report
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Not a check
      ansible.builtin.set_fact:
        drift: [{{setting: telemetry.proxy, current: a, desired: b}}]
"""
EXPECTED_STATUS = {
    "clean-host": "drifted",
    "srv2019-compliant": "compliant",
    "srv2022-stale-netsh": "drifted",
    "win10-do-group": "drifted",
    "win11-gpo-telemetry": "drifted",
    "win11-mde-half": "drifted",
    "win11-peruser": "drifted",
    "win-offline": "unknown",
}
GPO = "Contoso MDE proxy"
DATA_COLLECTION = r"HKLM\SOFTWARE\Policies\Microsoft\Windows\DataCollection"
GPO_ID = "cn={5C1A9E27-4B3D-4E8F-A2C6-7D90B13F64E8},cn=policies,cn=system,DC=contoso,DC=com"


def closed_port() -> int:
    """A loopback port nothing listens on: the unreachable host's WinRM port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(fleet: Fleet, body: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """ansible-playbook with record_results and compliance_report, the fleet plus one unreachable host."""
    offline = fleet.work / "offline.yml"
    offline.write_text(
        "all:\n  children:\n    windows:\n      hosts:\n        win-offline:\n"
        f"          ansible_host: 127.0.0.1\n          ansible_port: {closed_port()}\n",
        encoding="utf-8",
    )
    playbook = fleet.work / "compliance-check.yml"
    playbook.write_text(textwrap.dedent(body), encoding="utf-8")
    command = [ANSIBLE_PLAYBOOK, "-i", str(fleet.running.inventory), "-i", str(offline), str(playbook), *args]
    variables = {
        "ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
        "ANSIBLE_CALLBACKS_ENABLED": "record_results,proxyfleet.windows.compliance_report",
        "RECORD_RESULTS_FILE": str(fleet.work / "results.jsonl"),
        "PROXYFLEET_COMPLIANCE_REPORT_DIR": str(fleet.work / "report"),
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_FORKS": "20",
        **(env or {}),
    }
    return subprocess.run(command, env=ansible_env(variables), capture_output=True, text=True, timeout=300, check=False)


class _Text(HTMLParser):
    """Text content of the elements with an id or a data-total, data-host attribute, from a DOM dump."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.texts: dict[str, list[str]] = {}
        self.host_rows: list[str] = []  # the host table's rows, in the order shown

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        key = found.get("id") or (f"total:{found['data-total']}" if "data-total" in found else None)
        key = key or (f"host:{found['data-host']}" if "data-host" in found else None)
        if "data-host" in found:
            self.host_rows.append(str(found["data-host"]))
        if tag not in {"br", "input", "meta", "img"}:
            self.stack.append(key)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in {"br", "input", "meta", "img"}:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for key in self.stack:
            if key:
                self.texts.setdefault(key, []).append(data)

    def text(self, key: str) -> str:
        return " ".join(" ".join(self.texts.get(key, [])).split())


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make integration` installs the Debian package chromium"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, check=False)


def rendered(page: Path, work: Path, query: str = "", host: str = "") -> _Text:
    """The page's DOM after its script ran, for a view given in the address (?query, #host opens its detail)."""
    profile = work / "chromium-profile"
    shutil.rmtree(profile, ignore_errors=True)
    profile.mkdir()
    done = chromium("--dump-dom", f"{page.as_uri()}{query}#{host}", profile=profile)
    assert done.returncode == 0, done.stderr
    parser = _Text()
    parser.feed(done.stdout)
    return parser


def test_a_mixed_fleet_gives_four_reports_with_exact_counts(fixture_fleet: Fleet) -> None:
    original = fixture_fleet.reg_bytes()
    done = run(fixture_fleet, PLAY, "--check")
    # 4: ansible-playbook's own code for an unreachable host; fail_on_drift is off.
    assert done.returncode == 4, done.stdout + done.stderr
    assert fixture_fleet.reg_bytes() == original
    report = fixture_fleet.work / "report"
    assert sorted(path.name for path in report.iterdir()) == [
        "compliance.csv",
        "compliance.html",
        "compliance.json",
        "compliance.junit.xml",
    ]
    # The reports name hosts, proxies and findings: the owner's only, unless report_mode says otherwise.
    assert {stat.S_IMODE(path.stat().st_mode) for path in report.iterdir()} == {0o600}

    document = json.loads((report / "compliance.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert (document["schema"], document["schema_version"]) == ("proxyfleet.windows/compliance-report", 4)
    assert document["run"]["check_mode"] is True
    assert document["run"]["playbooks"] == ["compliance-check.yml"]
    assert {host["name"]: host["status"] for host in document["hosts"]} == EXPECTED_STATUS
    assert document["totals"] == {
        "hosts": 8,
        "compliant": 1,
        "drifted": 6,
        "unknown": 1,
        "not_assessed": 0,
        "settings": 166,
        "settings_compliant": 73,
        "settings_drifted": 93,
        # DO006 (netsh proxy, [DOPX]) on srv2019-compliant, srv2022-stale-netsh and win10-do-group; MDE003 without
        # the offline profile is a low hint (win11-mde-half, win11-gpo-telemetry).
        # DO001 twice on srv2019-compliant and win10-do-group: the fixtures' bypass *.prod.do.dsp.mp.microsoft.com
        # misses geo-prod and geover-prod of the DO endpoint table.
        "findings": {"high": 3, "medium": 12, "low": 3},
        "hosts_with_findings": 6,
        "gpo_owned_settings": 2,
        "owned_settings": 2,
        # win11-gpo-telemetry's telemetry proxy: its GPO would put it back.
        "settings_held": 1,
    }
    assert document["surfaces"]["telemetry"] == {"hosts": 7, "compliant": 1, "drifted": 6}
    assert document["surfaces"]["winhttp"] == {"hosts": 7, "compliant": 2, "drifted": 5}
    hosts = {host["name"]: host for host in document["hosts"]}

    gpo_host = {row["setting"]: row for row in hosts["win11-gpo-telemetry"]["settings"]}
    assert gpo_host["telemetry.proxy"] == {
        "setting": "telemetry.proxy",
        "surface": "telemetry",
        "current": "10.0.0.9:3128",
        "desired": "proxy.corp.example:8080",
        "compliant": False,
        "owner": {"owner": "group_policy", "gpo_name": GPO, "gpo_id": GPO_ID, "key": DATA_COLLECTION},
        "action": "proxyfleet.windows.proxy_baseline",
        "held": True,
    }
    # Compliant, and still set by Group Policy: the owner comes from proxy_facts' owners.
    assert gpo_host["telemetry.disable_enterprise_auth_proxy"]["compliant"] is True
    assert gpo_host["telemetry.disable_enterprise_auth_proxy"]["owner"] == {
        "owner": "group_policy",
        "gpo_name": GPO,
        "gpo_id": GPO_ID,
        "key": DATA_COLLECTION,
    }
    assert [owner["setting"] for owner in hosts["win11-gpo-telemetry"]["owners"]] == [
        "telemetry.disable_enterprise_auth_proxy",
        "telemetry.proxy",
    ]
    assert [finding["id"] for finding in hosts["win11-gpo-telemetry"]["findings"]] == ["MDE003"]

    offline = hosts["win-offline"]
    assert (offline["unreachable"], offline["settings"], offline["surfaces"]) == (True, [], [])
    [problem] = offline["problems"]
    assert problem.startswith("proxyfleet.windows.proxy_facts unreachable: ")
    assert "Connection refused" in problem

    assert all(row["compliant"] for row in hosts["srv2019-compliant"]["settings"])
    assert len(hosts["srv2019-compliant"]["settings"]) == 18
    # The short name resolved to the FQCN, and its result replaced the baseline's for that surface.
    defender = [row for row in hosts["clean-host"]["settings"] if row["surface"] == "defender"]
    assert {row["action"] for row in defender} == {"proxyfleet.windows.defender_proxy"}
    telemetry = [row for row in hosts["clean-host"]["settings"] if row["surface"] == "telemetry"]
    assert {row["action"] for row in telemetry} == {"proxyfleet.windows.telemetry_proxy"}
    assert "localhost" not in hosts

    with (report / "compliance.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 166 + 1  # one per host and setting, one for the host without settings
    assert [row for row in rows if row["host"] == "win-offline"] == [
        dict.fromkeys(rows[0], "") | {"host": "win-offline", "status": "unknown"}
    ]
    [owned] = [row for row in rows if row["host"] == "win11-gpo-telemetry" and row["setting"] == "telemetry.proxy"]
    assert (owned["compliant"], owned["current"], owned["desired"], owned["owner_gpo_name"]) == (
        "false",
        "10.0.0.9:3128",
        "proxy.corp.example:8080",
        GPO,
    )
    assert (owned["owner"], owned["held"]) == ("group_policy", "true")

    suite = ElementTree.parse(report / "compliance.junit.xml").getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (
        "167",
        "93",
        "1",
        "0",
    )
    failure = suite.find("./testsuite/testcase[@classname='win11-gpo-telemetry'][@name='telemetry.proxy']/failure")
    assert failure is not None
    assert failure.get("message") == (
        f"held: telemetry.proxy is 10.0.0.9:3128, desired proxy.corp.example:8080; left as it is because Group "
        f"Policy '{GPO}' sets it"
    )
    assert suite.find("./testsuite/testcase[@classname='win-offline'][@name='host']/error") is not None

    summary = done.stdout[done.stdout.index("COMPLIANCE REPORT (proxyfleet.windows)") :]
    assert re.search(r"^  drifted +6$", summary, re.MULTILINE)
    assert re.search(r"^  telemetry +7 +1 +6$", summary, re.MULTILINE)
    assert f"written: {report / 'compliance.html'}" in summary

    results = [json.loads(line) for line in (fixture_fleet.work / "results.jsonl").read_text().splitlines()]
    [stats] = [entry["result"]["ansible_stats"] for entry in results if entry["task"] == "Publish the summary"]
    assert (stats["per_host"], stats["aggregate"]) == (False, False)
    published = stats["data"]["proxyfleet_compliance"]
    assert {key: published[key] for key in ("hosts", "compliant", "drifted", "unknown", "compliant_percent")} == {
        "hosts": 8,
        "compliant": 1,
        "drifted": 6,
        "unknown": 1,
        "compliant_percent": 12.5,
    }
    # Unreachable at the first task, it left the play before the check: nothing registered, and play_hosts
    # tells that from a check that never ran.
    assert published["unknown_hosts"] == ["win-offline"]
    assert (published["not_assessed"], published["not_assessed_hosts"]) == (0, [])

    page = report / "compliance.html"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.read_text(encoding="utf-8"))
    dom = rendered(page, fixture_fleet.work, host="win11-gpo-telemetry")
    assert dom.text("total:hosts") == "8 hosts"
    assert dom.text("total:compliant") == "1 compliant"
    assert dom.text("total:drifted") == "6 drifted"
    assert dom.text("total:unknown") == "1 unknown"
    assert dom.text("total:held settings (their owner would revert them)") == (
        "1 held settings (their owner would revert them)"
    )
    assert dom.text("total:owned settings") == (
        "2 checked settings with an owner: 2 by GPO, 0 by MDM or Set-MpPreference"
    )
    assert "GPO-owned" not in dom.text("totals")
    assert dom.text("count") == "8 of 8 hosts"
    assert dom.text("detail-title") == "win11-gpo-telemetry: drifted"
    findings = dom.text("detail-findings")
    assert findings.startswith("MDE003 (low, telemetry) PreferStaticProxyForHttpRequest is not 1 while")
    assert "Remediation: proxyfleet.windows.telemetry_proxy prefer_static_proxy_for_http_request: true" in findings
    assert f"telemetry.proxy Group Policy '{GPO}' {GPO_ID}" in dom.text("detail-owners")
    # The held setting is shown "held", never as compliant.
    assert f"telemetry.proxy held 10.0.0.9:3128 proxy.corp.example:8080 Group Policy '{GPO}'" in dom.text(
        "detail-settings"
    )
    assert dom.text("unknown").startswith("Host Reason win-offline proxyfleet.windows.proxy_facts unreachable:")
    # Unknown hosts first, then the most drifted settings.
    assert dom.host_rows == [
        "win-offline",
        "clean-host",
        "srv2022-stale-netsh",
        "win10-do-group",
        "win11-gpo-telemetry",
        "win11-mde-half",
        "win11-peruser",
        "srv2019-compliant",
    ]

    # Filter, status, sort and paging, as the controls set them (here from the address).
    dom = rendered(page, fixture_fleet.work, "?q=WIN11&status=drifted&sort=2&dir=asc")
    assert dom.text("count") == "3 of 8 hosts"
    assert dom.host_rows == ["win11-gpo-telemetry", "win11-mde-half", "win11-peruser"]
    dom = rendered(page, fixture_fleet.work, "?q=do001&sort=0&dir=desc&rows=25")  # a finding id
    assert (dom.text("count"), dom.host_rows) == (
        "4 of 8 hosts",
        ["win11-peruser", "win10-do-group", "srv2022-stale-netsh", "srv2019-compliant"],
    )
    dom = rendered(page, fixture_fleet.work, "?findings=1&sort=4&rows=2&page=2")  # most findings first
    assert (dom.text("count"), dom.text("page")) == ("6 of 8 hosts", "Page 2 of 3")
    assert dom.host_rows == ["srv2019-compliant", "win11-mde-half"]  # 5, 4 | 3, 3 (ties by name) | 2, 1

    OUTPUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(page, OUTPUT / "compliance.html")
    screenshot(page, fixture_fleet.work, "compliance.png")


def screenshot(page: Path, work: Path, name: str) -> Path:
    """``page`` as Chromium shows it in a 1400 x 1100 window, into tests/output/compliance_report/``name``."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    target = OUTPUT / name
    target.unlink(missing_ok=True)
    profile = work / f"chromium-shot-{name}"
    profile.mkdir()
    shot = chromium("--window-size=1400,1100", f"--screenshot={target}", page.as_uri(), profile=profile)
    assert shot.returncode == 0, shot.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return target


def test_fail_on_drift_sets_the_exit_code(fixture_fleet: Fleet) -> None:
    # From extra vars (an AWX survey), with every host checked: drifted and unknown hosts fail the run.
    # The directory is a template, rendered with the play's variables as AWX's {{ awx_job_id }} would be.
    failing = run(
        fixture_fleet,
        PLAY,
        "--check",
        "-e",
        "proxyfleet_compliance_report_fail_on_drift=true",
        "-e",
        "awx_job_id=42",
        "-e",
        f"proxyfleet_compliance_report_dir={fixture_fleet.work}/job-{{{{ awx_job_id }}}}",
    )
    assert failing.returncode == 2, failing.stdout + failing.stderr
    # ansible-core 2.16 wraps long messages: compare with the line breaks undone.
    stderr = " ".join(failing.stderr.split())
    assert "compliance_report: fail_on_drift: 6 host(s) drifted, 1 unknown, 0 not assessed; exiting with 2" in stderr
    assert "PLAY RECAP" in failing.stdout  # the stdout callback's recap comes first
    assert (fixture_fleet.work / "job-42" / "compliance.json").exists()
    assert not (fixture_fleet.work / "report").exists()

    # From the environment, on the compliant host only: nothing to report, exit 0.
    passing = run(
        fixture_fleet,
        PLAY,
        "--check",
        "--limit",
        "srv2019-compliant,localhost",
        env={"PROXYFLEET_COMPLIANCE_REPORT_FAIL_ON_DRIFT": "true"},
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr
    document = json.loads((fixture_fleet.work / "report" / "compliance.json").read_text(encoding="utf-8"))
    assert (document["totals"]["hosts"], document["totals"]["compliant"]) == (1, 1)

    # A report that cannot be written fails the run too (here: the directory is a file).
    blocked = fixture_fleet.work / "blocked"
    blocked.write_text("not a directory", encoding="utf-8")
    unwritten = run(
        fixture_fleet,
        PLAY,
        "--check",
        "--limit",
        "srv2019-compliant,localhost",
        env={"PROXYFLEET_COMPLIANCE_REPORT_FAIL_ON_DRIFT": "true", "PROXYFLEET_COMPLIANCE_REPORT_DIR": str(blocked)},
    )
    assert unwritten.returncode == 2, unwritten.stdout + unwritten.stderr
    # A report_mode that would leave the owner unable to read the files: said at the first play, before any
    # task runs, and again when the report is not written.
    bad_mode = run(
        fixture_fleet,
        PLAY,
        "--check",
        "--limit",
        "srv2019-compliant,localhost",
        env={
            "PROXYFLEET_COMPLIANCE_REPORT_FAIL_ON_DRIFT": "true",
            "PROXYFLEET_COMPLIANCE_REPORT_MODE": "0444",
            "PROXYFLEET_COMPLIANCE_REPORT_DIR": str(fixture_fleet.work / "bad-mode"),
        },
    )
    assert bad_mode.returncode == 2, bad_mode.stdout + bad_mode.stderr
    refused = (
        "compliance_report: report_mode 0444 does not let the owner read and write the files; give an octal mode "
        "such as 0600 or 0640, quoted in YAML; the report will not be written"
    )
    assert " ".join(bad_mode.stderr.split()).count(refused) == 1
    assert not (fixture_fleet.work / "bad-mode").exists()
    # ansible-core 2.16 also breaks lines inside the path, at a hyphen: compare without any white space.
    stderr = "".join(unwritten.stderr.split())
    for message in (
        f"compliance_report: cannot write the report to {blocked}: [Errno 17] File exists",
        "compliance_report: fail_on_drift: 0 host(s) drifted, 0 unknown, 0 not assessed, report not written; "
        "exiting with 2",
    ):
        assert "".join(message.split()) in stderr


NOT_ASSESSED_PLAY = """
- name: Partial check
  hosts: windows
  gather_facts: false
  tasks:
    - name: Hosts the play does not get to
      ansible.builtin.meta: end_host
      when: inventory_hostname == 'win11-gpo-telemetry'
    - name: Telemetry where a role would apply
      proxyfleet.windows.telemetry_proxy:
        proxy: proxy.corp.example:8080
      when: inventory_hostname in ['srv2019-compliant', 'win11-mde-half']
      register: proxy_check
    - name: Findings only
      proxyfleet.windows.proxy_facts:
      when: inventory_hostname == 'win11-peruser'
    - name: Publish the summary
      run_once: true
      ansible.builtin.set_stats:
        per_host: false
        aggregate: false
        data:
          proxyfleet_compliance: >-
            {{ hostvars | proxyfleet.windows.compliance_summary(ansible_play_hosts_all, 'proxy_check',
               play_hosts=ansible_play_hosts) }}

- name: Not a compliance play (no task of the collection), so its hosts are not added
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Nothing to check
      ansible.builtin.debug:
        msg: done
"""
SKIPPED = (
    "every proxyfleet.windows task on it was skipped "
    "(proxyfleet.windows.telemetry_proxy, proxyfleet.windows.proxy_facts)"
)
NOT_ASSESSED = {
    "clean-host": SKIPPED,
    "srv2022-stale-netsh": SKIPPED,
    "win-offline": SKIPPED,  # `when` is decided before connecting: the unreachable host is never contacted
    "win10-do-group": SKIPPED,
    "win11-gpo-telemetry": "no proxyfleet.windows task ran on it in 'Partial check' "
    "(no role or task applied to it, or the play ended before it got there)",
    "win11-peruser": "no setting was checked, only findings (proxyfleet.windows.proxy_facts)",
}


def test_hosts_no_setting_was_checked_on_are_not_assessed_everywhere(fixture_fleet: Fleet) -> None:
    done = run(
        fixture_fleet,
        NOT_ASSESSED_PLAY,
        "--check",
        "-e",
        "proxyfleet_compliance_report_title='Contoso <proxy> audit'",
        "-e",
        "proxyfleet_compliance_report_mode='0640'",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = fixture_fleet.work / "report"
    document = json.loads((report / "compliance.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, json.loads(SCHEMA.read_text(encoding="utf-8")))
    statuses = {host["name"]: (host["status"], host["not_assessed_reason"]) for host in document["hosts"]}
    assert statuses == {
        **{name: ("not_assessed", reason) for name, reason in NOT_ASSESSED.items()},
        "srv2019-compliant": ("compliant", ""),
        "win11-mde-half": ("drifted", ""),
    }
    assert {key: document["totals"][key] for key in ("hosts", "compliant", "drifted", "unknown", "not_assessed")} == {
        "hosts": 8,
        "compliant": 1,
        "drifted": 1,
        "unknown": 0,
        "not_assessed": 6,
    }
    assert {stat.S_IMODE(path.stat().st_mode) for path in report.iterdir()} == {0o640}

    with (report / "compliance.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert sorted(row["host"] for row in rows if row["status"] == "not_assessed") == sorted(NOT_ASSESSED)
    assert all(row["setting"] == "" for row in rows if row["status"] == "not_assessed")

    suite = ElementTree.parse(report / "compliance.junit.xml").getroot()
    assert suite.get("skipped") == "6"
    skipped = suite.find("./testsuite/testcase[@classname='win11-peruser'][@name='host']/skipped")
    assert skipped is not None
    assert skipped.get("message") == f"not assessed: {NOT_ASSESSED['win11-peruser']}"
    # A host not assessed has no passing test case.
    assert [case.get("name") for case in suite.iter("testcase") if case.get("classname") == "clean-host"] == ["host"]

    summary = done.stdout[done.stdout.index("COMPLIANCE REPORT (proxyfleet.windows)") :]
    assert re.search(r"^  not_assessed +6$", summary, re.MULTILINE)
    assert "not assessed (no setting checked, not compliant):" in summary
    for name, reason in NOT_ASSESSED.items():
        assert f"  {name}: {reason}" in summary

    results = [json.loads(line) for line in (fixture_fleet.work / "results.jsonl").read_text().splitlines()]
    [stats] = [entry["result"]["ansible_stats"] for entry in results if entry["task"] == "Publish the summary"]
    published = stats["data"]["proxyfleet_compliance"]
    # The summary sees only what was registered: skipped is not assessed; the host the play ended for left
    # ansible_play_hosts before the check, which the filter cannot tell from a failure: unknown (never compliant).
    assert {key: published[key] for key in ("compliant", "drifted", "unknown", "not_assessed")} == {
        "compliant": 1,
        "drifted": 1,
        "unknown": 1,
        "not_assessed": 5,
    }
    assert published["unknown_hosts"] == ["win11-gpo-telemetry"]
    assert published["not_assessed_hosts"] == sorted(set(NOT_ASSESSED) - {"win11-gpo-telemetry"})

    page = report / "compliance.html"
    text = page.read_text(encoding="utf-8")
    assert "<title>Contoso &lt;proxy&gt; audit</title>" in text
    dom = rendered(page, fixture_fleet.work, "?status=not_assessed&sort=0&dir=asc")
    assert dom.text("total:not assessed") == "6 not assessed"
    assert dom.text("total:compliant") == "1 compliant"
    assert dom.text("count") == "6 of 8 hosts"
    assert dom.host_rows == sorted(NOT_ASSESSED)
    assert dom.text("not-assessed").startswith(f"Host Reason clean-host {SKIPPED} ")
    colours = chromium(
        "--dump-dom",
        page.as_uri(),
        "--run-all-compositor-stages-before-draw",
        profile=fixture_fleet.work / "chromium-colours",
    )
    assert colours.returncode == 0, colours.stderr
    assert '<div class="card s3" data-total="not assessed">' in colours.stdout


def test_fail_on_drift_fails_on_hosts_not_assessed_unless_allowed(fixture_fleet: Fleet) -> None:
    limit = ("--limit", "srv2019-compliant,win11-peruser,localhost")
    failing = run(
        fixture_fleet, NOT_ASSESSED_PLAY, "--check", *limit, env={"PROXYFLEET_COMPLIANCE_REPORT_FAIL_ON_DRIFT": "1"}
    )
    assert failing.returncode == 2, failing.stdout + failing.stderr
    assert "compliance_report: fail_on_drift: 0 host(s) drifted, 0 unknown, 1 not assessed; exiting with 2" in " ".join(
        failing.stderr.split()
    )
    allowed = run(
        fixture_fleet,
        NOT_ASSESSED_PLAY,
        "--check",
        *limit,
        "-e",
        "proxyfleet_compliance_report_allow_not_assessed=true",
        env={"PROXYFLEET_COMPLIANCE_REPORT_FAIL_ON_DRIFT": "1"},
    )
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    document = json.loads((fixture_fleet.work / "report" / "compliance.json").read_text(encoding="utf-8"))
    # Allowed to pass, still reported as what it is.
    assert {host["name"]: host["status"] for host in document["hosts"]} == {
        "srv2019-compliant": "compliant",
        "win11-peruser": "not_assessed",
    }


SERIAL_PLAY = """
- name: Batches of one
  hosts: srv2019-compliant,clean-host,win11-peruser
  gather_facts: false
  serial: 1
  max_fail_percentage: 0
  order: inventory
  tasks:
    - name: Telemetry (refused before any host command on the second host)
      proxyfleet.windows.telemetry_proxy:
        proxy: "{{ 'proxy.corp.example:8080' if inventory_hostname == 'srv2019-compliant' else 'no port' }}"
"""


def test_hosts_of_batches_the_play_never_got_to_are_not_assessed(fixture_fleet: Fleet) -> None:
    done = run(fixture_fleet, SERIAL_PLAY, "--check")
    assert done.returncode == 2, done.stdout + done.stderr
    document = json.loads((fixture_fleet.work / "report" / "compliance.json").read_text(encoding="utf-8"))
    hosts = {host["name"]: host for host in document["hosts"]}
    # In the pattern's order: srv2019-compliant is checked, clean-host's task fails and ends the play
    # (max_fail_percentage 0), win11-peruser's batch never runs.
    assert {name: host["status"] for name, host in hosts.items()} == {
        "clean-host": "unknown",
        "srv2019-compliant": "compliant",
        "win11-peruser": "not_assessed",
    }
    assert hosts["win11-peruser"]["not_assessed_reason"] == (
        "no proxyfleet.windows task ran on it in 'Batches of one' "
        "(no role or task applied to it, or the play ended before it got there)"
    )
