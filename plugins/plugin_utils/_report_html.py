# Copyright (c) 2026 proxyfleet.windows contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""compliance.html: one self-contained page (no external assets) for the compliance report (internal use only).

The page carries the report as compact JSON and draws it with a little script: every string (setting names,
values, messages) is stored once in a table and referred to by index, which keeps 5,000 hosts x 20 settings
near 1.5 MB; the host table is paginated, so the browser only ever builds one page of rows. Everything is
put in the page with ``textContent``: values read from hosts are never parsed as HTML.

The shell is one Jinja2 template rendered in a single pass with autoescaping: the title is escaped, and no
text that reaches the page (a title, a host value) is ever scanned again for placeholders.
"""

from __future__ import annotations

import functools
import json
import typing as t

import jinja2
from markupsafe import Markup

from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_formats import owner_words, value_text
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_model import STATUSES
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._report_trend import CHANGES


class _Strings:
    """Interns strings: each distinct one is stored once and referred to by its index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.table: list[str] = []

    def __call__(self, text: t.Any) -> int:
        key = "" if text is None else str(text)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.table)
            self.table.append(key)
        return found


class _Sets:
    """Interns lists of already interned items: hosts that share their rows (or findings, owners) share one list."""

    def __init__(self) -> None:
        self.index: dict[tuple[t.Any, ...], int] = {}
        self.table: list[list[t.Any]] = []

    def __call__(self, items: list[t.Any]) -> int:
        key = tuple(tuple(item) if isinstance(item, list) else item for item in items)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.table)
            self.table.append(items)
        return found


def page_data(document: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The document in the page's compact form (see the script: the host, row, finding and owner field positions).

    Strings, setting rows, and each host's list of rows, findings and owners are stored once and referred to by
    index, and the counts the page shows are derived in the browser: 100,000 hosts stay a page of a few MB.
    """
    intern = _Strings()
    row_ids: dict[int, tuple[t.Any, int]] = {}  # id(row) -> (row, index in rows); hosts share row dicts
    rows: list[list[int]] = []
    row_sets, finding_sets, owner_sets = _Sets(), _Sets(), _Sets()
    hosts = []
    for host in document["hosts"]:
        indexes = []
        for row in host["settings"]:
            found = row_ids.get(id(row))
            if found is None:
                found = row_ids[id(row)] = (row, len(rows))
                rows.append(_row(row, intern))
            indexes.append(found[1])
        findings = [_finding(finding, intern) for finding in host["findings"]]
        owners = [
            [intern(o.get("setting")), intern(owner_words(o)), intern(o.get("gpo_id") or o.get("csp") or o.get("key"))]
            for o in host["owners"]
        ]
        trend = host.get("trend")
        hosts.append(
            [
                host["name"],
                STATUSES.index(host["status"]),
                intern("; ".join(host["problems"]) or host.get("not_assessed_reason", "")),
                row_sets(indexes),
                finding_sets(findings),
                owner_sets(owners),
                # The change since the previous report (an index of CHANGES), -1 without one.
                CHANGES.index(trend["change"]) if trend else -1,
                len(trend["new_findings"]) if trend else 0,
                len(trend["resolved_findings"]) if trend else 0,
            ]
        )
    return {
        "strings": intern.table,
        "rows": rows,
        "row_sets": row_sets.table,
        "finding_sets": finding_sets.table,
        "owner_sets": owner_sets.table,
        "run": document["run"],
        "totals": document["totals"],
        "surfaces": document["surfaces"],
        "trend": document.get("trend"),
        "hosts": hosts,
    }


def _row(row: t.Mapping[str, t.Any], intern: _Strings) -> list[int]:
    return [
        intern(row["setting"]),
        intern(row["surface"]),
        intern(value_text(row["current"])),
        intern(value_text(row["desired"])),
        1 if row["compliant"] else 0,
        intern(owner_words(row["owner"])) if row["owner"] else -1,
        1 if row.get("held") else 0,
    ]


def _finding(finding: t.Mapping[str, t.Any], intern: _Strings) -> list[int]:
    return [
        intern(finding.get("id")),
        intern(finding.get("severity")),
        intern(finding.get("surface")),
        intern(finding.get("message")),
        intern(finding.get("remediation")),
        intern(finding.get("source")),
    ]


def _script_json(data: t.Any) -> str:
    # "<" only occurs inside JSON strings, where \u003c means the same: no "</script>" can end the block.
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).replace("<", "\\u003c")


@functools.cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.from_string(_PAGE)


def to_html(document: t.Mapping[str, t.Any], title: str = "Proxy compliance") -> str:
    """The whole page as one string; ``title`` is text (escaped), the style, script and data are trusted."""
    return _template().render(
        title=str(title),
        style=Markup(_STYLE),
        script=Markup(_SCRIPT),
        data=Markup(_script_json(page_data(document))),
    )


def write_html(document: t.Mapping[str, t.Any], title: str, out: t.TextIO) -> None:
    """The page into ``out`` (it is a few MB even for 100,000 hosts: one string is fine)."""
    out.write(to_html(document, title))


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ style }}</style>
</head>
<body>
<header><h1>{{ title }}</h1><p id="run"></p></header>
<section id="totals" aria-label="Totals"></section>
<section id="trend" aria-label="Since the previous report" hidden><h2 id="trend-title"></h2>
<div id="trend-cards" class="cards"></div></section>
<section><h2>Compliance per surface</h2><table id="surfaces" class="grid"><thead><tr><th>Surface</th>
<th class="num">Hosts</th><th class="num">Compliant</th><th class="num">Drifted</th><th>Compliance</th></tr></thead>
<tbody></tbody></table></section>
<section><h2>Hosts</h2>
<div class="controls"><label>Filter <input id="filter" type="search" placeholder="host, setting or finding"></label>
<label>Status <select id="status"><option value="">any</option><option value="0">compliant</option>
<option value="1">drifted</option><option value="2">unknown</option>
<option value="3">not assessed</option></select></label>
<label id="change-filter" hidden>Change <select id="change"><option value="">any</option>
<option value="0">newly drifted</option><option value="1">fixed</option><option value="2">still drifted</option>
<option value="3">newly unreachable</option><option value="4">new host</option><option value="5">unchanged</option>
</select></label>
<label><input id="with-findings" type="checkbox"> with findings</label>
<label>Rows <select id="page-size"><option>25</option><option selected>50</option><option>100</option>
<option>250</option></select></label>
<span id="count"></span></div>
<table id="hosts" class="grid"><thead><tr><th data-key="0">Host</th><th data-key="1">Status</th>
<th data-key="2" class="num">Drifted settings</th><th data-key="3" class="num">Settings</th>
<th data-key="4" class="num">Findings</th><th data-key="5" class="num">High</th>
<th data-key="6" class="num" title="Values a GPO, MDM, a GPP item or Set-MpPreference sets here, checked or not">
Owned</th><th data-key="11" class="trend-col" hidden>Change</th></tr></thead>
<tbody></tbody></table>
<div class="pager"><button id="first">&laquo;</button><button id="prev">&lsaquo; Previous</button>
<span id="page"></span><button id="next">Next &rsaquo;</button><button id="last">&raquo;</button></div>
</section>
<section id="detail" hidden><h2 id="detail-title"></h2><p id="detail-problems" class="problem"></p>
<h3>Settings</h3><table id="detail-settings" class="grid"><thead><tr><th>Setting</th><th>Compliant</th>
<th>Current</th><th>Desired</th><th>Owner</th></tr></thead><tbody></tbody></table>
<h3>Findings</h3><div id="detail-findings"></div>
<h3>Owners (Group Policy, MDM, preference items)</h3><table id="detail-owners" class="grid"><thead><tr>
<th>Setting</th><th>Owner</th><th>GPO id, CSP or key</th></tr></thead><tbody></tbody></table></section>
<section><h2>Unreachable and unknown hosts</h2><table id="unknown" class="grid"><thead><tr><th>Host</th>
<th>Reason</th></tr></thead><tbody></tbody></table></section>
<section><h2>Hosts not assessed (no setting checked)</h2><table id="not-assessed" class="grid"><thead><tr>
<th>Host</th><th>Reason</th></tr></thead><tbody></tbody></table></section>
<script type="application/json" id="report-data">{{ data }}</script>
<script>{{ script }}</script>
</body>
</html>
"""

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 24px 40px;color:#1b1f24;background:#fff}
h1{margin:16px 0 4px;font-size:22px}h2{font-size:17px;margin:24px 0 8px}h3{font-size:15px;margin:16px 0 6px}
#run{color:#57606a;margin:0}
#totals,.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
.c0{color:#bc4c00;font-weight:600}.c1{color:#1a7f37;font-weight:600}.c2{color:#9a6700}.c3{color:#8250df;font-weight:600}
.c4{color:#0969da}.c5{color:#57606a}
.card{border:1px solid #d0d7de;border-radius:6px;padding:10px 16px;min-width:110px}
.card b{display:block;font-size:24px}.card span{color:#57606a}
.grid{border-collapse:collapse;width:100%}.grid th,.grid td{border-bottom:1px solid #d8dee4;padding:4px 8px;
text-align:left;vertical-align:top}.grid th{background:#f6f8fa;position:sticky;top:0}
#hosts th{cursor:pointer;user-select:none}#hosts tbody tr{cursor:pointer}#hosts tbody tr:hover{background:#f3f6fa}
td.num,th.num{text-align:right}
.s0{color:#1a7f37;font-weight:600}.s1{color:#bc4c00;font-weight:600}.s2{color:#8250df;font-weight:600}
.s3{color:#0969da;font-weight:600}
.card.s0,.card.s1,.card.s2,.card.s3{border-left-width:5px;font-weight:normal}.card.s0{border-left-color:#1a7f37}
.card.s1{border-left-color:#bc4c00}.card.s2{border-left-color:#8250df}.card.s3{border-left-color:#0969da}
.bar{background:#eaeef2;height:10px;width:160px;display:inline-block;border-radius:5px;overflow:hidden}
.bar i{display:block;height:100%;background:#2da44e}
.controls{display:flex;flex-wrap:wrap;gap:16px;align-items:center;margin-bottom:8px}
.pager{display:flex;gap:8px;align-items:center;margin-top:8px}
.finding{border-left:4px solid #bc4c00;padding:4px 10px;margin:6px 0;background:#fff8f0}
.finding.high{border-color:#cf222e}.finding.low{border-color:#9a6700}
.finding p{margin:2px 0}.remediation{font-family:ui-monospace,monospace}.problem{color:#8250df}
code,.value{font-family:ui-monospace,monospace;word-break:break-all}
"""

_SCRIPT = r"""
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("report-data").textContent);
  const S = D.strings, STATUS = ["compliant", "drifted", "unknown", "not_assessed"];
  const CHANGE = ["newly drifted", "fixed", "still drifted", "newly unreachable", "new host", "unchanged"];
  const CHANGE_KEYS = ["newly_drifted", "fixed", "still_drifted", "newly_unreachable", "new_host", "unchanged"];
  // The data: D.hosts [name, status, problems, row set, finding set, owner set, change, new findings,
  // resolved findings]; D.row_sets lists of indexes into D.rows [setting, surface, current, desired, compliant,
  // owner, held (a value its owner would put back: shown "held", never green)]; D.finding_sets lists of
  // [id, severity, surface, message, remediation, source]; D.owner_sets lists of
  // [setting, owner, GPO id or CSP or key]; every other number in them indexes D.strings. Expanded once into
  // HOSTS, whose fields
  // are: 0 name, 1 status, 2 drifted, 3 settings, 4 findings, 5 high, 6 owners, 7 problems, 8 rows, 9 findings,
  // 10 owners, 11 change since the previous report (index of CHANGE, -1 without one), 12 new findings,
  // 13 resolved findings (the columns sort by these positions).
  const HOSTS = D.hosts.map((h) => {
    const rows = D.row_sets[h[3]].map((i) => D.rows[i]), found = D.finding_sets[h[4]], owners = D.owner_sets[h[5]];
    return [h[0], h[1], rows.filter((r) => !r[4]).length, rows.length, found.length,
      found.filter((f) => S[f[1]] === "high").length, owners.length, S[h[2]], rows, found, owners, h[6], h[7], h[8]];
  });
  const $ = (id) => document.getElementById(id);
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function row(cells) {
    const tr = document.createElement("tr");
    for (const cell of cells) tr.appendChild(cell instanceof Node ? cell : el("td", cell));
    return tr;
  }
  const run = D.run || {};
  $("run").textContent = "Generated " + (run.generated_at || "") + (run.check_mode ? " (check mode)" : "") +
    (run.playbooks && run.playbooks.length ? " by " + run.playbooks.join(", ") : "") +
    (run.ansible_version ? ", ansible-core " + run.ansible_version : "");
  const T = D.totals;
  const cards = [["hosts", T.hosts], ["compliant", T.compliant, 0], ["drifted", T.drifted, 1],
    ["unknown", T.unknown, 2], ["not assessed", T.not_assessed, 3],
    ["settings drifted", T.settings_drifted + " / " + T.settings], ["findings (high)",
      (T.findings.high + T.findings.medium + T.findings.low) + " (" + T.findings.high + ")"],
    ["held settings (their owner would revert them)", T.settings_held],
    // One card for every owner; the GPO count (Group Policy and its preference items) is part of its label.
    ["checked settings with an owner: " + T.gpo_owned_settings + " by GPO, " +
      (T.owned_settings - T.gpo_owned_settings) + " by MDM or Set-MpPreference", T.owned_settings, undefined,
      "owned settings"]];
  for (const [label, value, status, key] of cards) {
    const card = el("div", null, status === undefined ? "card" : "card s" + status);
    card.dataset.total = key || label;
    card.appendChild(el("b", value));
    card.appendChild(el("span", label));
    $("totals").appendChild(card);
  }
  const R = D.trend;
  if (R) {
    $("trend").hidden = false;
    $("change-filter").hidden = false;
    for (const th of document.querySelectorAll(".trend-col")) th.hidden = false;
    $("trend-title").textContent = "Since " + (R.previous.generated_at || R.previous.file) + " (" +
      R.previous.hosts + " hosts then)";
    const trendCards = [["newly drifted", R.newly_drifted, 0], ["fixed", R.fixed, 1],
      ["still drifted", R.still_drifted, 2], ["newly unreachable", R.newly_unreachable, 3],
      ["new findings", R.new_findings], ["resolved findings", R.resolved_findings],
      ["new hosts", R.new_host, 4], ["removed hosts", R.removed_hosts]];
    for (const [label, value, change] of trendCards) {
      const card = el("div", null, "card");
      card.dataset.trend = label;
      card.appendChild(el("b", value, change === undefined ? null : "c" + change));
      card.appendChild(el("span", label));
      if (change !== undefined) {
        card.style.cursor = "pointer";
        card.addEventListener("click", () => { $("change").value = String(change); apply(); });
      }
      $("trend-cards").appendChild(card);
    }
  }
  const surfaceBody = $("surfaces").tBodies[0];
  for (const [name, c] of Object.entries(D.surfaces)) {
    const pct = c.hosts ? Math.round(1000 * c.compliant / c.hosts) / 10 : 100;
    const bar = el("td"); const outer = el("span", null, "bar"); const inner = el("i");
    inner.style.width = pct + "%"; outer.appendChild(inner); bar.appendChild(outer);
    bar.appendChild(document.createTextNode(" " + pct + " %"));
    surfaceBody.appendChild(row([name, el("td", c.hosts, "num"), el("td", c.compliant, "num"),
      el("td", c.drifted, "num"), bar]));
  }
  const unknownBody = $("unknown").tBodies[0];
  for (const h of HOSTS) if (h[1] === 2) unknownBody.appendChild(row([h[0], h[7] || "no result"]));
  if (!unknownBody.rows.length) unknownBody.appendChild(row(["none", ""]));
  const notAssessedBody = $("not-assessed").tBodies[0];
  for (const h of HOSTS) if (h[1] === 3) notAssessedBody.appendChild(row([h[0], h[7]]));
  if (!notAssessedBody.rows.length) notAssessedBody.appendChild(row(["none", ""]));

  // Search text per host, built once: name, drifting settings, finding ids and messages.
  const haystack = HOSTS.map((h) => (h[0] + " " + h[8].filter((r) => !r[4]).map((r) => S[r[0]]).join(" ") + " " +
    h[9].map((f) => S[f[0]] + " " + S[f[3]]).join(" ") + " " + h[7]).toLowerCase());
  let view = HOSTS.map((_, i) => i), sortKey = 1, sortDir = -1, page = 0;
  function apply() {
    const text = $("filter").value.trim().toLowerCase(), status = $("status").value,
      withFindings = $("with-findings").checked, change = $("change").value;
    view = [];
    for (let i = 0; i < HOSTS.length; i++) {
      const h = HOSTS[i];
      if (status !== "" && h[1] !== Number(status)) continue;
      if (withFindings && !h[4]) continue;
      if (change !== "" && h[11] !== Number(change)) continue;
      if (text && !haystack[i].includes(text)) continue;
      view.push(i);
    }
    const k = sortKey, dir = sortDir;
    view.sort((a, b) => {
      const x = HOSTS[a][k], y = HOSTS[b][k];
      const c = typeof x === "string" ? x.localeCompare(y) : x - y;
      return c * dir || HOSTS[a][0].localeCompare(HOSTS[b][0]);
    });
    page = 0;
    draw();
  }
  function draw() {
    const size = Number($("page-size").value), pages = Math.max(1, Math.ceil(view.length / size));
    page = Math.min(Math.max(page, 0), pages - 1);
    const body = document.createElement("tbody");
    for (const i of view.slice(page * size, page * size + size)) {
      const h = HOSTS[i];
      const tr = row([h[0], el("td", STATUS[h[1]], "s" + h[1]), el("td", h[2], "num"), el("td", h[3], "num"),
        el("td", h[4], "num"), el("td", h[5], "num"), el("td", h[6], "num")]);
      if (R) {
        const marker = el("td", h[11] >= 0 ? CHANGE[h[11]] : "", "trend-col c" + h[11]);
        if (h[12] || h[13]) marker.textContent += " (findings +" + h[12] + " -" + h[13] + ")";
        tr.appendChild(marker);
      }
      tr.dataset.host = h[0];
      tr.addEventListener("click", () => detail(i));
      body.appendChild(tr);
    }
    $("hosts").replaceChild(body, $("hosts").tBodies[0]);
    $("count").textContent = view.length + " of " + HOSTS.length + " hosts";
    $("page").textContent = "Page " + (page + 1) + " of " + pages;
  }
  function detail(i) {
    const h = HOSTS[i];
    $("detail").hidden = false;
    $("detail-title").textContent = h[0] + ": " + STATUS[h[1]] + (R && h[11] >= 0 ? " (" + CHANGE[h[11]] + ")" : "");
    $("detail-problems").textContent = h[7];
    const settings = document.createElement("tbody");
    for (const r of h[8]) settings.appendChild(row([el("td", S[r[0]], "value"),
      r[6] ? el("td", "held", "s2") : el("td", r[4] ? "yes" : "no", r[4] ? "s0" : "s1"),
      el("td", S[r[2]] || "(not set)", "value"),
      el("td", S[r[3]] || "(not set)", "value"),
      r[5] >= 0 ? S[r[5]] : ""]));
    $("detail-settings").replaceChild(settings, $("detail-settings").tBodies[0]);
    const box = $("detail-findings");
    box.replaceChildren();
    for (const f of h[9]) {
      const item = el("div", null, "finding " + S[f[1]]);
      item.appendChild(el("p", S[f[0]] + " (" + S[f[1]] + ", " + S[f[2]] + ")")).style.fontWeight = "600";
      item.appendChild(el("p", S[f[3]]));
      item.appendChild(el("p", "Remediation: " + S[f[4]], "remediation"));
      item.appendChild(el("p", S[f[5]]));
      box.appendChild(item);
    }
    if (!h[9].length) box.appendChild(el("p", "none"));
    const owners = document.createElement("tbody");
    for (const o of h[10]) owners.appendChild(row([el("td", S[o[0]], "value"), S[o[1]], el("td", S[o[2]], "value")]));
    $("detail-owners").replaceChild(owners, $("detail-owners").tBodies[0]);
    $("detail").scrollIntoView();
  }
  for (const th of $("hosts").tHead.rows[0].cells) {
    th.addEventListener("click", () => {
      const k = Number(th.dataset.key);
      sortDir = k === sortKey ? -sortDir : (k === 0 ? 1 : -1);
      sortKey = k;
      apply();
    });
  }
  let timer = 0;
  $("filter").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(apply, 150); });
  for (const id of ["status", "with-findings", "change"]) $(id).addEventListener("change", apply);
  $("page-size").addEventListener("change", draw);
  $("first").addEventListener("click", () => { page = 0; draw(); });
  $("prev").addEventListener("click", () => { page -= 1; draw(); });
  $("next").addEventListener("click", () => { page += 1; draw(); });
  $("last").addEventListener("click", () => { page = 1e9; draw(); });
  // The view can be given in the address (bookmarks, links from alerts): ?q=text&status=drifted&findings=1
  // &sort=<column 0-6>&dir=asc|desc&rows=<page size>&page=<1-based>; #<host> opens that host's detail.
  const params = new URLSearchParams(location.search);
  if (params.has("q")) $("filter").value = params.get("q");
  if (STATUS.includes(params.get("status"))) $("status").value = String(STATUS.indexOf(params.get("status")));
  const wantedChange = CHANGE_KEYS.indexOf(params.get("change"));
  if (R && wantedChange >= 0) $("change").value = String(wantedChange);
  $("with-findings").checked = params.get("findings") === "1";
  const rows = Number(params.get("rows"));
  if (Number.isInteger(rows) && rows > 0) {
    if (![...$("page-size").options].some((o) => Number(o.value) === rows)) $("page-size").add(new Option(rows, rows));
    $("page-size").value = String(rows);
  }
  if (/^([0-6]|11)$/.test(params.get("sort") || "")) {
    sortKey = Number(params.get("sort"));
    sortDir = params.get("dir") === "asc" ? 1 : -1;
  }
  const wanted = decodeURIComponent(location.hash.slice(1));
  apply();
  if (params.has("page")) { page = Number(params.get("page")) - 1 || 0; draw(); }
  const start = HOSTS.findIndex((h) => h[0] === wanted);
  if (start >= 0) detail(start);
})();
"""
