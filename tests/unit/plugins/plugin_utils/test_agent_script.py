"""Static checks of the host agent (plugins/plugin_utils/_agent.ps1); no PowerShell needed.

Nothing here runs PowerShell. The checks guard the rules the agent must keep on Windows PowerShell
5.1: exactly one JSON document on the success stream and nothing else there, no Add-Type, no
here-strings, no dynamic evaluation, ASCII text, balanced syntax, and the versions, statuses and
backup layout that docs/dev/agent-protocol.md promises.

The output check works on a small model of PowerShell syntax: comments and string contents are
blanked (same length, so offsets still point into the file), the text is split into statements at
``;``, newlines and braces outside parentheses, and every statement is classified. A statement
that is not an assignment, ``[void]...``, ``$null = ...``, ``... | Out-Null``, an increment or a
keyword statement writes its value to the success stream, which is stdout. Such a statement must
be a call of a .NET method that returns void (``SetValue``, ``DeleteValue``, ``Dispose``, ...) or
of an agent function that returns nothing; the only exception is the one ``Write-Response``.
"""

from __future__ import annotations

import json
import re
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol
from tests.winsim import agent_twin
from tests.winsim.registry import Registry

DOC = Path(__file__).resolve().parents[4] / "docs" / "dev" / "agent-protocol.md"
# The whole agent as the host sees it (every part, then the core), in its source form: line numbers
# and comments as in the files. What is shipped drops comment lines (protocol.shipped).
SCRIPT = "".join(protocol.agent_source(part) for part in protocol.AGENT_PARTS) + protocol.agent_source()

# .NET methods the agent calls as statements that return void (checked against the .NET Framework
# 4.x reference): a bare call of one of them writes nothing. CreateSubKey, OpenSubKey, GetValue,
# ArrayList.Add, [regex]::Replace, ... return values, so a bare call of those would leak.
VOID_METHODS = {"SetValue", "DeleteValue", "DeleteSubKeyTree", "DeleteSubKey", "Dispose", "Close", "Sort"}
KEYWORDS = (
    "if|elseif|else|for|foreach|while|do|try|catch|finally|function|trap|switch|param|throw|return|break|continue|exit"
)
KEYWORD_RE = re.compile(rf"^({KEYWORDS})\b", re.IGNORECASE)
BLOCK_HEADER_RE = re.compile(r"^(if|elseif|else|for|foreach|while|do|try|catch|finally|function|trap|switch)\b", re.I)
ASSIGNMENT_RE = re.compile(r"^\$[\w:]+(\[[^\]]*\]|\.\w+)*\s*([-+*/%]?=)(?!=)")
INCREMENT_RE = re.compile(r"^(\$[\w:]+(\+\+|--)|(\+\+|--)\$[\w:]+)$")
COMMAND_RE = re.compile(r"^([A-Za-z]+-[A-Za-z]+)\b")


# ---------------------------------------------------------------------------------------------
# A small model of PowerShell syntax


def scan(text: str) -> tuple[str, str]:
    """Return ``(code, code_with_strings)``: comments blanked in both, string contents also in ``code``.

    Both have the length of ``text``. Raises ValueError for an unterminated string or comment.
    """
    n = len(text)
    code, raw = list(text), list(text)

    def blank_comment(start: int, end: int) -> None:
        for j in range(start, end):
            if text[j] != "\n":
                code[j] = raw[j] = " "

    def code_until(i: int, subexpression: bool) -> int:
        depth = 0
        while i < n:
            c = text[i]
            if text.startswith("<#", i):
                end = text.find("#>", i + 2)
                if end < 0:
                    raise ValueError(f"unterminated block comment at offset {i}")
                blank_comment(i, end + 2)
                i = end + 2
            elif c == "#":
                end = text.find("\n", i)
                end = n if end < 0 else end
                blank_comment(i, end)
                i = end
            elif c == "'":
                i = single_quoted(i)
            elif c == '"':
                i = double_quoted(i)
            elif c == "`":
                i += 2
            else:
                if subexpression and c == "(":
                    depth += 1
                elif subexpression and c == ")":
                    if depth == 0:
                        return i + 1
                    depth -= 1
                i += 1
        if subexpression:
            raise ValueError("unterminated $( ) subexpression in a string")
        return i

    def close_string(start: int, end: int) -> int:
        if end >= n:
            raise ValueError(f"unterminated string at offset {start}")
        for j in range(start + 1, end):
            code[j] = "_"
        return end + 1

    def single_quoted(i: int) -> int:
        j = i + 1
        while j < n:
            if text[j] == "'":
                if text[j + 1 : j + 2] == "'":
                    j += 2
                    continue
                break
            j += 1
        return close_string(i, j)

    def double_quoted(i: int) -> int:
        j = i + 1
        while j < n:
            c = text[j]
            if c == "`":
                j += 2
            elif c == '"':
                if text[j + 1 : j + 2] != '"':
                    break
                j += 2
            elif text.startswith("$(", j):
                j = code_until(j + 2, True)
            else:
                j += 1
        return close_string(i, j)

    code_until(0, False)
    return "".join(code), "".join(raw)


def bracket_errors(code: str) -> list[str]:
    """Unbalanced or mismatched (), [], {} in ``code`` (strings and comments already blanked)."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[tuple[str, int]] = []
    errors = []
    for i, c in enumerate(code):
        if c in "([{":
            stack.append((c, i))
        elif c in pairs:
            if not stack or stack[-1][0] != pairs[c]:
                errors.append(f"unexpected {c!r} on line {line_of(code, i)}")
                continue
            stack.pop()
    errors += [f"unclosed {c!r} from line {line_of(code, i)}" for c, i in stack]
    return errors


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


@dataclass
class Statement:
    """One statement: its text (nested scriptblocks and hashtables shown as ``{}``) and where it is."""

    text: str
    start: int
    end: int
    function: str | None  # the enclosing function, None at script level
    label: bool = False  # a switch clause's condition, not a statement


def matching_brace(code: str, i: int) -> int:
    """Offset just after the ``}`` that closes the ``{`` at ``i``."""
    depth = 0
    for j in range(i, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError(f"unclosed brace on line {line_of(code, i)}")


def statements(code: str) -> list[Statement]:
    """Split ``code`` into statements, descending into statement blocks (if, try, function, ...).

    Scriptblocks passed as arguments (Where-Object, a MatchEvaluator, switch conditions) and
    hashtable literals are not statement blocks: their output is a value the caller consumes.
    """
    found: list[Statement] = []

    def block(i: int, kind: str, function: str | None) -> int:
        seg: list[str] = []
        seg_start = i
        depth = 0

        def flush(end: int, label: bool = False) -> None:
            text = "".join(seg).strip()
            if text:
                found.append(Statement(text, seg_start, end, function, label))
            seg.clear()

        while i < len(code):
            c = code[i]
            if depth == 0 and c in ";\n":
                if c == "\n" and "".join(seg).rstrip()[-1:] in ("|", ",", "="):
                    seg.append(" ")  # the statement continues on the next line
                else:
                    flush(i, label=kind == "switch")
                i += 1
                if not seg:
                    seg_start = i
                continue
            if c == "}" and depth == 0:
                flush(i, label=kind == "switch")
                return i + 1
            if c == "{":
                header = "".join(seg).strip()
                end = matching_brace(code, i)
                nested_header = BLOCK_HEADER_RE.match(header)
                if code[i - 1 : i] == "@" or depth > 0:
                    seg.append("{}")  # hashtable literal, or a scriptblock argument inside ( )
                    i = end
                elif kind == "switch":
                    if not header and code[end:].lstrip(" \t").startswith("{"):
                        seg.append("{}")  # a scriptblock condition: { ... } { action }
                        i = end
                    else:
                        flush(i, label=True)
                        i = block(i + 1, "statements", function)
                        seg_start = i
                elif nested_header or not header:
                    child_function = function
                    child_kind = "statements"
                    if nested_header and nested_header.group(1).lower() == "function":
                        child_function = re.split(r"[\s(]", header.split(None, 1)[1], maxsplit=1)[0]
                    elif nested_header and nested_header.group(1).lower() == "switch":
                        child_kind = "switch"
                    flush(i)
                    i = block(i + 1, child_kind, child_function)
                    seg_start = i
                else:
                    seg.append("{}")  # a scriptblock argument of a command: Where-Object { ... }
                    i = end
                continue
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            if not seg and c in " \t":
                seg_start = i + 1
            else:
                seg.append(c)
            i += 1
        flush(i)
        if kind != "script":
            raise ValueError(f"unclosed {kind} block")
        return i

    block(0, "script", None)
    return found


def final_method(text: str) -> str | None:
    """The method a ``$x.A(...).B(...)`` / ``[T]::M(...)`` expression statement ends by calling."""
    if not text.startswith(("$", "[")) or not text.endswith(")"):
        return None
    depth = 0
    for j in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[j], 0)
        if depth == 0:
            member = re.search(r"(?:\.|::)(\w+)$", text[:j])
            return member.group(1) if member else None
    return None


def classify(statement: Statement) -> str:
    """``keyword``, ``return-value``, ``consumed``, ``void-call``, ``command`` or ``emits``."""
    text = statement.text
    keyword = KEYWORD_RE.match(text)
    if keyword:
        word = keyword.group(1).lower()
        if word == "return" and text[len(word) :].strip():
            return "return-value"
        return "keyword"
    if (
        text.lower().startswith("[void]")
        or ASSIGNMENT_RE.match(text)
        or INCREMENT_RE.match(text)
        or re.search(r"\|\s*Out-Null$", text, re.I)
    ):
        return "consumed"
    if COMMAND_RE.match(text):
        return "command"
    if final_method(text) in VOID_METHODS:
        return "void-call"
    return "emits"


def output_problems(script: str) -> list[str]:
    """Statements of ``script`` that would put something on the success stream (stdout)."""
    parsed = [s for s in statements(scan(script)[0]) if not s.label]
    kinds = [(s, classify(s)) for s in parsed]
    functions = {s.function for s in parsed if s.function}
    returns_value = {s.function for s, kind in kinds if kind == "return-value"}
    returns_value |= {s.function for s, _kind in kinds if s.text.lower().startswith("write-output")}
    problems = []
    for s, kind in kinds:
        where = f"line {line_of(script, s.start)}: {s.text[:80]}"
        if kind == "emits":
            problems.append(f"{where}: its value goes to stdout")
        elif kind == "command":
            name = COMMAND_RE.match(s.text).group(1)  # type: ignore[union-attr]
            if name.lower() == "write-output":
                if s.function != "Write-Response":
                    problems.append(f"{where}: only Write-Response writes output")
            elif name in functions and name in returns_value and not (name == "Write-Response" and not s.function):
                problems.append(f"{where}: {name} returns a value, which goes to stdout here")
            elif name not in functions:
                problems.append(f"{where}: {name} is not an agent function; its output would go to stdout")
    return problems


# ---------------------------------------------------------------------------------------------
# The checker itself


def test_checker_finds_leaks() -> None:
    script = "\n".join(
        [
            "function Get-Thing() { return 1 }",
            "function Set-Thing($Key) { $Key.SetValue('a', 1); $Key.CreateSubKey('b') }",
            "$list = New-Object System.Collections.ArrayList",
            "$list.Add(1)",
            "[void]$list.Add(2)",
            "$null = $list.Add(3)",
            "$list.Add(4) | Out-Null",
            "Get-Thing",
            "[regex]::Replace('a', 'a', { param($m) 'b' })",
            "if ($x) { $y = 1 } else { $key.CreateSubKey('c').Dispose() }",
            "switch ($x) { 'a' { $z = 1 } { $_ -eq 'b' } { $k.DeleteValue('d', $false) } default { 'e' } }",
        ]
    )
    problems = output_problems(script)
    assert [int(p.split(":")[0].split()[1]) for p in problems] == [2, 4, 8, 9, 11], problems
    assert "CreateSubKey('_')" in problems[0]
    assert "'_'" in problems[-1]


def test_scan_blanks_strings_and_comments() -> None:
    text = "$a = 'it''s # not a comment' # comment\n$b = \"x $(Get-X ')') y\" <# block\n #>"
    code, raw = scan(text)
    assert len(code) == len(raw) == len(text)
    assert code.splitlines()[0].rstrip() == "$a = '" + "_" * len("it''s # not a comment") + "'"
    assert "Get-X" in raw and "Get-X" not in code
    assert "block" not in raw
    with pytest.raises(ValueError):
        scan("$a = 'open")


# ---------------------------------------------------------------------------------------------
# The agent


def test_agent_is_ascii() -> None:
    bad = [(line_of(SCRIPT, i), ch) for i, ch in enumerate(SCRIPT) if ord(ch) > 127]
    assert not bad, f"non-ASCII characters (line, char): {bad[:5]}"


def test_no_add_type_or_dynamic_evaluation() -> None:
    code_with_strings = scan(SCRIPT)[1].lower()
    # Add-Type only loads a .NET Framework assembly by name (Import-Assembly); it never compiles.
    assert re.findall(r"add-type[^\n;}]*", code_with_strings) == ["add-type -assemblyname $name "]
    for forbidden in (
        "invoke-expression",
        "iex ",
        "[scriptblock]::create",
        "newscriptblock",
        "invokecommand.expandstring",
        "invokescript",
        "invoke-command",
        "start-process",
        "set-strictmode",
    ):
        assert forbidden not in code_with_strings, forbidden
    # No call or dot-sourcing of a variable (& $x, . $x): only fixed script text runs.
    assert not re.search(r"(^|[\s;(])[&.]\s*\$", scan(SCRIPT)[0], re.M)


def test_no_here_strings() -> None:
    assert not re.search(r"@[\"']\s*$", SCRIPT, re.M)


def test_braces_parentheses_and_quotes_balance() -> None:
    code = scan(SCRIPT)[0]  # raises on an unterminated string or comment
    assert bracket_errors(code) == []


def test_request_is_the_first_argument() -> None:
    # The bootstrap puts the parts before the core in one script block, so the core has no param block:
    # the request is the script block's first positional argument.
    core = protocol.agent_source()
    first = next(s for s in statements(scan(core)[0]) if not s.label)
    assert first.text.replace(" ", "") == "$Request=$args[0]"
    assert protocol.BOOTSTRAP_SCRIPT.endswith("-join[char]10)) $p.request}")
    assert "param(" not in scan(SCRIPT)[0].split("function ", 1)[0].lower()


def test_nothing_but_the_response_reaches_stdout() -> None:
    assert output_problems(SCRIPT) == []
    top_level = [s for s in statements(scan(SCRIPT)[0]) if s.function is None and not s.label]
    assert top_level[-1].text == "Write-Response $response"
    assert [s.text for s in top_level if s.text.startswith("Write-Response")] == ["Write-Response $response"]


def test_output_goes_to_the_success_stream() -> None:
    # psrp runs the bootstrap in a runspace and returns only pipeline output as stdout, so
    # [Console]::Out (or Write-Host) output would be lost there.
    code = scan(SCRIPT)[0].lower()
    assert "[console]::out" not in code
    assert "write-host" not in code
    assert code.count("write-output") == 1


@pytest.mark.parametrize("pattern", [r"\.SetValue\(", r"\.CreateSubKey\(", r"\.DeleteValue\(", r"\[regex\]::Replace\("])
def test_registry_and_regex_calls_cannot_leak(pattern: str) -> None:
    code = scan(SCRIPT)[0]
    parsed = statements(code)
    offsets = [m.start() for m in re.finditer(pattern, code, re.I)]
    assert offsets, f"{pattern} no longer used: update this test"
    for offset in offsets:
        owner = [s for s in parsed if s.start <= offset < s.end]
        assert owner, f"line {line_of(code, offset)}: call outside any statement"
        kind = classify(owner[-1])
        assert kind in ("consumed", "void-call", "keyword", "return-value"), (line_of(code, offset), owner[-1].text)


def test_no_dot_assignment_to_dictionary_members() -> None:
    # $dict.values = ... hits the read-only Values property of [ordered]/hashtables, not a key.
    code = scan(SCRIPT)[0]
    assert not re.search(r"\$\w+\.(values|keys|count)\s*=(?!=)", code, re.I)


def test_versions_match_the_controller() -> None:
    version = re.search(r"^\$AgentVersion\s*=\s*'([^']*)'\s*$", SCRIPT, re.M)
    protocol_version = re.search(r"^\$ProtocolVersion\s*=\s*(\d+)\s*$", SCRIPT, re.M)
    assert version and version.group(1) == protocol.AGENT_VERSION
    assert protocol_version and int(protocol_version.group(1)) == protocol.PROTOCOL_VERSION


def test_stdin_line_is_one_ascii_json_line() -> None:
    line = protocol.build_stdin(protocol.build_request([]))
    assert line.endswith(b"\r\n") and line.count(b"\n") == 1
    assert json.loads(line)["agent"] == protocol.agent_script(with_apply=False)
    assert json.loads(line)["parts"] == []
    # psrp delivers stdin one line per object: the bootstrap joins them all.
    assert "@($input)-join''" in protocol.BOOTSTRAP_SCRIPT


# ---------------------------------------------------------------------------------------------
# What the doc promises


DOC_TEXT = DOC.read_text(encoding="utf-8")


def test_backup_root_matches_the_doc() -> None:
    root = re.search(r"^\$BackupRoot\s*=\s*'([^']*)'", SCRIPT, re.M)
    assert root and f"`HKLM\\{root.group(1)}\\<id>`" in DOC_TEXT


def test_backup_layout_matches_the_doc() -> None:
    backup = DOC_TEXT[DOC_TEXT.index("2. **Backup.**") : DOC_TEXT.index("3. **Writes**")]
    names = set(re.findall(r"`([A-Z][A-Za-z]+)`", backup)) - {"HKLM"}
    assert names >= {"Created", "AgentVersion", "Count", "Hive", "Path", "Name", "Action", "View", "Data"}
    written = set(re.findall(r"\.SetValue\('(\w+)'", SCRIPT))
    assert names == written


@pytest.mark.parametrize("key", sorted(set(re.findall(r'"(status|stage|op)": "(\w+)"', DOC_TEXT))), ids="=".join)
def test_every_documented_status_is_produced(key: tuple[str, str]) -> None:
    name, value = key
    answered = rf"\b{name} = '{value}'|\['{name}'\] = '{value}'"
    assert re.search(answered, SCRIPT), f"the agent never answers {name}: {value}"


def test_every_documented_result_field_is_produced() -> None:
    fields = set(re.findall(r'"(\w+)":', DOC_TEXT)) - {"agent", "request", "action", "expect", "protocol"}
    fields -= {"agent_version", "operations", "changes", "keep", "id", "backup", "name", "type", "data", "hive"}
    fields -= {"path", "view"}  # echoed from the request
    fields -= {"namespace", "class", "properties", "where", "per_user", "max_users"}  # wmi_query's request
    fields -= {"only_if_running"}  # service's request
    # WMI property names in the wmi_query examples: data, not fields the agent writes.
    fields -= {"registryKey", "valueName", "GPOID", "precedence", "guidName", "wmi"}
    fields -= {"RSOP_RegistryPolicySetting", "RSOP_GPO", "polmkrBaseCseGuid", "polmkrBaseInstanceXml"}
    # sms_sysresuse_write's request ("set") and the simulator's facts file in the ConfigMgr section.
    fields -= {"set", "sms", "pending_edits", "files", "base64", "text", "fqdn", "program_data"}
    fields -= {"timeout_ms", "deadline_ms", "targets", "from", "offset"}  # tls_probe's request
    fields -= {"network", "chains", "rules", "answer", "zscaler", "drop", "stall"}  # the twin's facts for tls_probe
    fields -= {"parts"}  # stdin
    fields -= {
        "stdout_bom",
        "unreadable_keys",
        "providers",
        "readback",
        "release",
        "machine",
        "local",
    }  # simulator facts
    # The bootstrap's own answer (protocol.BOOTSTRAP_SCRIPT), before any agent text runs.
    assert '"language_mode"' in protocol.BOOTSTRAP_SCRIPT
    fields -= {"language_mode"}
    missing = sorted(f for f in fields if not re.search(rf"\b{f} = |\['{f}'\] = ", SCRIPT))
    assert missing == []


@pytest.mark.parametrize(
    ("doc_phrase", "agent_message"),
    [
        ("unknown protocol", "unsupported protocol '$protocol': this agent speaks protocol $ProtocolVersion"),
        (
            "unknown op",
            "unknown operation '$name' at operations[$i] (expected read, apply, wmi_query, service, sms_sysresuse_read,"
            " sms_sysresuse_write, file_read, file_write or tls_probe)",
        ),
    ],
)
def test_request_level_errors_are_reported(doc_phrase: str, agent_message: str) -> None:
    assert doc_phrase in DOC_TEXT
    assert f'throw "{agent_message}"' in SCRIPT
    # They are request-level: thrown in the script body, whose catch answers ok: false.
    body = SCRIPT[SCRIPT.index("$response = [ordered]@{") :]
    assert f'throw "{agent_message}"' in body
    assert "$response['ok'] = $false" in body


# ---------------------------------------------------------------------------------------------
# wmi_query and wildcard reads: no query text from the request, and the twin's exact behaviour


def test_wmi_query_sends_no_query_text() -> None:
    code = scan(SCRIPT)[0]
    calls = [line.strip() for line in code.splitlines() if "Get-CimInstance" in line]
    assert calls == [
        "$found = @(Get-CimInstance -Namespace $namespace -ClassName $class"
        " -OperationTimeoutSec $WmiTimeoutSec -ErrorAction Stop)"
    ]
    lowered = scan(SCRIPT)[1].lower()
    for forbidden in ("get-wmiobject", "[wmi]", "[wmisearcher]", "[wmiclass]", "-query", "-filter", "select "):
        assert forbidden not in lowered, forbidden
    assert re.search(r"^\$WmiTimeoutSec = 30$", SCRIPT, re.M)


def _dotnet_pattern(name: str) -> re.Pattern[str]:
    """An agent regex ('^...\\z', single-quoted) as a Python pattern ('\\z' is Python's '\\Z')."""
    found = re.search(rf"^\${name} = '([^']*)'$", SCRIPT, re.M)
    assert found, name
    return re.compile(found.group(1).replace("\\z", "\\Z"))


@pytest.mark.parametrize(
    "text",
    ["root\\rsop\\computer", "root", "RSOP_GPO", "a_1", "", "root\\", "\\root", "root\\\\cimv2", "root/cimv2",
     "a b", "a'b", "a\n", "Klasse\u00e9", "\u0661", "\\\\.\\root"],
)  # fmt: skip
def test_wmi_name_patterns_match_the_twin(text: str) -> None:
    name, namespace = _dotnet_pattern("WmiNamePattern"), _dotnet_pattern("WmiNamespacePattern")
    # .NET character classes [A-Za-z0-9_] are ASCII like Python's; only the anchors differ.
    assert bool(name.search(text)) == bool(agent_twin.WMI_NAME.fullmatch(text))
    assert bool(namespace.search(text)) == bool(agent_twin.WMI_NAMESPACE.fullmatch(text))


@pytest.mark.parametrize(
    "text",
    ["S-1-5-21-1-2-3-1105", "S-1-12-1-1-2-3-4", "S-1-5-18", "S-1-5-21", "S-1-5-21-1_Classes", ".DEFAULT",
     "S-1-5-21-1\n", "s-1-5-21-1", "S-1-5-21-1-", "S-1-5-21-\u0661"],
)  # fmt: skip
def test_the_user_sid_pattern_matches_the_twin_and_the_controller(text: str) -> None:
    pattern = _dotnet_pattern("WmiUserSidPattern")
    # .NET's [0-9] is ASCII; -cmatch is case-sensitive, as Python's re is.
    assert bool(pattern.search(text)) == bool(agent_twin.WMI_USER_SID.fullmatch(text))
    assert bool(pattern.search(text)) == bool(protocol.USER_SID.fullmatch(text))
    assert re.search(r"^\$WmiMaxUsers = (\d+)$", SCRIPT, re.M).group(1) == str(agent_twin.WMI_MAX_USERS)  # type: ignore[union-attr]


def test_the_agent_and_the_twin_know_the_same_operations() -> None:
    listed = re.search(r"if \(@\(([^)]*)\) -cnotcontains \$name\) \{ throw \"unknown operation", SCRIPT)
    assert listed
    assert tuple(re.findall(r"'(\w+)'", listed.group(1))) == agent_twin.OPERATIONS


WMI_OP = {"op": "wmi_query", "namespace": "root\\rsop\\computer", "class": "RSOP_GPO", "properties": ["name", "id"]}


@pytest.mark.parametrize(
    ("agent_message", "variables", "change"),
    [
        ("invalid namespace '$namespace'", {"namespace": "1"}, {"namespace": 1}),
        ("invalid namespace '$namespace'", {"namespace": "root\\"}, {"namespace": "root\\"}),
        ("invalid class name '$class'", {"class": ""}, {"class": None}),
        ("invalid class name '$class'", {"class": "A B"}, {"class": "A B"}),
        ("invalid 'properties'", {}, {"properties": []}),
        ("invalid properties[$i]", {"i": "1"}, {"properties": ["name", 2]}),
        ("invalid properties[$i]", {"i": "0"}, {"properties": ["a-b"]}),
        ("duplicate properties[$i]", {"i": "1"}, {"properties": ["id", "ID"]}),
        ("invalid 'where'", {}, {"where": []}),
        ("invalid 'where' property '$($field.Name)'", {"($field.Name)": "x"}, {"where": {"x": 1}}),
        ("invalid 'where' value of '$($field.Name)'", {"($field.Name)": "id"}, {"where": {"id": 1.5}}),
        ("invalid 'per_user'", {}, {"per_user": "yes"}),
        ("invalid 'max_users'", {}, {"per_user": True}),
        ("invalid 'max_users'", {}, {"per_user": True, "max_users": 257}),
        ("invalid 'max_users'", {}, {"per_user": True, "max_users": True}),
    ],
)
def test_wmi_query_errors_are_the_twins(
    agent_message: str, variables: dict[str, str], change: dict[str, t.Any]
) -> None:
    assert f'throw "{agent_message}"' in SCRIPT
    expected = agent_message
    for variable, value in variables.items():
        expected = expected.replace(f"${variable}", value)
    [result] = agent_twin.run_request(Registry(), protocol.build_request([{**WMI_OP, **change}]))["results"]
    assert result == {"op": "wmi_query", "status": "error", "error": expected}


SET_VALUE = {
    "action": "set_value", "hive": "HKLM", "path": "SOFTWARE\\X", "view": 64, "name": "V", "type": "dword", "data": 1,
    "expect": {"exists": False},
}  # fmt: skip


# The controller builds these fields, so the agent's guards give short messages and the twin gives the same.
@pytest.mark.parametrize(
    ("agent_message", "variables", "change", "backup"),
    [
        ("unknown registry view '$View'", {"View": "16"}, {"view": 16}, None),
        ("unknown action '$action'", {"action": "rename"}, {"action": "rename"}, None),
        ("invalid value name", {}, {"name": None}, None),
        ("unknown value type '$Type'", {"Type": "REG_DWORD"}, {"type": "REG_DWORD"}, None),
        ("invalid $Type data", {"Type": "dword"}, {"data": 4294967296}, None),
        ("invalid $Type data", {"Type": "string"}, {"type": "string", "data": 1}, None),
        ("invalid backup id '$backupId'", {"backupId": "a b"}, {}, {"id": "a b", "keep": 1}),
        ("invalid backup keep '$keep'", {"keep": "0"}, {}, {"id": "b", "keep": 0}),
    ],
)
def test_apply_guards_are_the_twins(
    agent_message: str, variables: dict[str, str], change: dict[str, t.Any], backup: dict[str, t.Any] | None
) -> None:
    assert f'throw "{agent_message}"' in SCRIPT
    expected = agent_message
    for variable, value in variables.items():
        expected = expected.replace(f"${variable}", value)
    apply = {"op": "apply", "backup": backup or {"id": "b", "keep": 1}, "changes": [{**SET_VALUE, **change}]}
    [result] = agent_twin.run_request(Registry(), protocol.build_request([apply]))["results"]
    assert result["error"] == (expected if backup else "changes[0]: " + expected)


def test_read_match_guard_is_the_twins_and_compares_data_only() -> None:
    assert SCRIPT.count("throw \"invalid 'match'\"") == 4
    assert 'throw "keys[$i]: $(Get-ErrorMessage $_)"' in SCRIPT
    # The prefixes are compared with StartsWith, ignoring case ordinally: never a pattern, never evaluated.
    assert "$state.data.StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)" in SCRIPT
    read = {"op": "read", "keys": [{"hive": "HKLM", "path": "SOFTWARE\\X", "view": 64, "match": {}}]}
    [result] = agent_twin.run_request(Registry(), protocol.build_request([read]))["results"]
    assert result == {"op": "read", "status": "error", "error": "keys[0]: invalid 'match'"}


def test_apply_rejects_wildcards_with_the_twins_message() -> None:
    message = "wildcard '*' in key path '$path': wildcards are only allowed in read"
    assert f'throw "{message}"' in SCRIPT
    change = {"action": "create_key", "hive": "HKLM", "path": "SOFTWARE\\*", "view": 64, "expect": {"exists": False}}
    apply = {"op": "apply", "backup": {"id": "b", "keep": 1}, "changes": [change]}
    [result] = agent_twin.run_request(Registry(), protocol.build_request([apply]))["results"]
    # The agent prefixes "changes[$i]: " (Invoke-Apply), as the twin does.
    assert result["error"] == "changes[0]: " + message.replace("$path", "SOFTWARE\\*")
    assert 'throw "changes[$i]: $(Get-ErrorMessage $_)"' in SCRIPT
