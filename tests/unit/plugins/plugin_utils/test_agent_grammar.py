"""The host agent parsed with an independent PowerShell grammar (tree-sitter-powershell from PyPI).

No PowerShell runs on our machines, and ``ansible-test sanity``'s PowerShell checks skip without
``pwsh``: this check never skips. Every agent file (``plugins/plugin_utils/_agent*.ps1``, the core and
its parts) must parse with no error, and must use nothing Windows PowerShell 5.1 lacks:

- no PowerShell 7-only syntax (``??``, ``?.``, the ternary ``? :``, ``&&``, ``||``, ``clean`` blocks,
  ``ForEach-Object -Parallel``): the grammar knows the 7.x syntax, so ``&&``/``||`` and ``-Parallel`` parse
  and are found by node, the others are parse errors;
- no C# compilation (``Add-Type`` with anything but ``-AssemblyName``) and no here-strings;
- only commands, .NET types and members of the allow-lists below, each checked against Windows
  PowerShell 5.1 / .NET Framework 4.5+ documentation when it was added;
- a type from an assembly PowerShell 5.1 does not load by itself is used only in a file that loads
  that assembly by name (``Add-Type -AssemblyName``, or the agent's ``Import-Assembly '<name>'``);
- no ``-is [int]`` / ``-isnot [int]``: ConvertFrom-Json gives Int32 on 5.1 but Int64 on PowerShell 7,
  so request integers are tested with the agent's ``Test-JsonInteger``.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import tree_sitter
import tree_sitter_powershell

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol

AGENT_DIR = Path(__file__).resolve().parents[4] / "plugins" / "plugin_utils"
AGENT_FILES = sorted(AGENT_DIR.glob("_agent*.ps1"))

# Commands (cmdlets of Windows PowerShell 5.1's built-in modules), besides the agent's own functions.
COMMANDS = {
    "add-type",  # Microsoft.PowerShell.Utility; only with -AssemblyName (checked separately)
    "test-path",  # Microsoft.PowerShell.Management (function: drive)
    "convertto-json",  # Microsoft.PowerShell.Utility 3.0+
    "foreach-object",  # Microsoft.PowerShell.Core (no -Parallel in 5.1)
    "get-ciminstance",  # CimCmdlets 3.0+
    "join-path",  # Microsoft.PowerShell.Management
    "new-object",  # Microsoft.PowerShell.Utility
    "where-object",  # Microsoft.PowerShell.Core
    "write-output",  # Microsoft.PowerShell.Utility
}

# Type literals and New-Object type names, as the agent spells them (compared ignoring case). PowerShell
# type accelerators of 5.1 and .NET Framework 4.5+ types.
TYPES = {
    # accelerators
    "array", "bool", "byte", "byte[]", "char", "datetime", "decimal", "double", "int", "int16", "int32",
    "int64", "long", "ordered", "regex", "sbyte", "single", "string", "string[]", "uint16", "uint32",
    "uint64", "void", "nullstring", "scriptblock", "console", "text.utf8encoding", "ref", "math", "environment",
    "system.net.sockets.socket", "bigint",
    # mscorlib / System
    "bitconverter", "convert", "timespan", "stringcomparer", "stringcomparison", "text.encoding",
    "system.text.utf8encoding", "system.collections.arraylist", "system.collections.generic.list[byte]",
    "system.diagnostics.stopwatch", "system.io.directory", "system.io.file", "system.io.fileinfo",
    "system.io.path", "system.security.cryptography.sha256", "system.threading.thread",
    "microsoft.win32.registryhive", "microsoft.win32.registrykey", "microsoft.win32.registryvaluekind",
    "microsoft.win32.registryvalueoptions", "microsoft.win32.registryview",
    "system.unauthorizedaccessexception", "system.security.securityexception", "system.componentmodel.win32exception",
    "system.net.dns", "system.net.ipaddress", "system.net.sockets.addressfamily",
    "system.net.sockets.tcpclient", "system.net.security.sslstream",
    "system.net.security.remotecertificatevalidationcallback",
    "system.net.networkinformation.ipglobalproperties", "system.security.authentication.sslprotocols",
    # System.Management.Automation (PowerShell 5.1)
    "system.management.automation.methodinvocationexception", "system.management.automation.pscustomobject",
    # the TLS handshake's worker runspaces: the [powershell] and [runspacefactory] accelerators (PowerShell 3.0+)
    "powershell", "runspacefactory",
    # System: the socket error of a read that timed out
    "system.net.sockets.socketexception",
    # System.Management (WMI); loaded by name where used
    "system.management.managementbaseobject[]", "system.management.managementexception",
    "system.management.managementstatus", "system.management.puttype", "system.management.enumerationoptions",
    "system.management.invokemethodoptions", "system.management.managementclass",
    "system.management.managementnamedvaluecollection", "system.management.managementpath",
    "system.management.managementscope", "system.management.objectgetoptions", "system.management.putoptions",
    # System.ServiceProcess; loaded by name where used
    "system.serviceprocess.servicecontroller", "system.serviceprocess.servicecontrollerstatus",
    "system.serviceprocess.timeoutexception",
}  # fmt: skip

# Static members (Type::Member), type spelt as in TYPES.
STATIC_MEMBERS = {
    # .NET Framework 4.5+: Socket.OSSupportsIPv6, Math.Max, Environment.OSVersion
    "system.net.sockets.socket::ossupportsipv6", "math::max", "environment::osversion",
    "array::sort", "bitconverter::getbytes", "bitconverter::toint32", "bitconverter::toint64",
    "bitconverter::tostring", "bitconverter::touint32", "bitconverter::touint64", "convert::frombase64string",
    "convert::tobase64string", "datetime::utcnow", "decimal::truncate", "long::maxvalue", "long::minvalue",
    "nullstring::value", "regex::replace", "scriptblock::create", "console::outputencoding", "string::equals",
    "string::isnullorempty", "stringcomparer::ordinal", "stringcomparison::ordinal",
    "stringcomparison::ordinalignorecase", "text.encoding::ascii", "timespan::frommilliseconds",
    "timespan::fromseconds", "uint32::maxvalue", "uint64::maxvalue", "microsoft.win32.registryhive::classesroot",
    "microsoft.win32.registryhive::currentuser", "microsoft.win32.registryhive::localmachine",
    "microsoft.win32.registryhive::users", "microsoft.win32.registrykey::openbasekey",
    "microsoft.win32.registryvaluekind::dword", "microsoft.win32.registryvaluekind::multistring",
    "microsoft.win32.registryvaluekind::none", "microsoft.win32.registryvaluekind::qword",
    "microsoft.win32.registryvaluekind::string", "microsoft.win32.registryvalueoptions::donotexpandenvironmentnames",
    "microsoft.win32.registryview::registry32", "microsoft.win32.registryview::registry64",
    "system.diagnostics.stopwatch::startnew", "system.io.directory::createdirectory", "system.io.directory::delete",
    "system.io.directory::exists", "system.io.directory::getdirectories", "system.io.file::copy",
    "system.io.file::delete", "system.io.file::exists", "system.io.file::move", "system.io.file::readallbytes",
    "system.io.file::replace", "system.io.file::writeallbytes", "system.io.file::writealltext",
    "system.io.path::getfilename", "system.management.managementstatus::invalidnamespace",
    "system.management.managementstatus::accessdenied", "system.management.puttype::updateonly",
    "system.net.networkinformation.ipglobalproperties::getipglobalproperties", "system.net.dns::getaddresses",
    "system.net.ipaddress::tryparse", "system.net.sockets.addressfamily::internetworkv6",
    "system.security.authentication.sslprotocols::tls12", "system.security.authentication.sslprotocols::none",
    "system.security.cryptography.sha256::create", "system.serviceprocess.servicecontrollerstatus::running",
    "system.serviceprocess.servicecontrollerstatus::stopped",
    # Math.Min; PowerShell.Create(), RunspaceFactory.CreateRunspacePool(Int32, Int32) (PowerShell 3.0+ SDK)
    "math::min", "powershell::create", "runspacefactory::createrunspacepool",
}  # fmt: skip

# Instance members (.NET Framework 4.5+ and PowerShell 5.1 objects the agent holds). Names that start
# with a lower-case letter are keys of the agent's own hashtables, not .NET members.
INSTANCE_MEMBERS = {
    # ArrayList, List[T], arrays, hashtables, strings
    "Add", "Contains", "ContainsKey", "Count", "IndexOf", "Keys", "LastIndexOf", "Length", "Split", "Substring",
    "ToArray", "ToLowerInvariant", "ToString", "ToUpperInvariant", "Trim", "TrimEnd", "Values",
    # String.StartsWith(String, StringComparison): .NET Framework 2.0+
    "StartsWith",
    # RegistryKey
    "CreateSubKey", "DeleteSubKey", "DeleteSubKeyTree", "DeleteValue", "Dispose", "GetSubKeyNames", "GetValue",
    "GetValueKind", "GetValueNames", "OpenSubKey", "SetValue", "SubKeyCount", "ValueCount",
    # ErrorRecord, exceptions, PSObject, ScriptBlock
    "Exception", "FullyQualifiedErrorId", "InnerException", "Message", "NativeErrorCode", "PSObject",
    "Properties", "Name", "Value", "GetType", "FullName", "GetNewClosure", "CategoryInfo", "Reason",
    # CimInstance
    "CimInstanceProperties",
    # System.Management
    "Connect", "Context", "CreateInstance", "ErrorCode", "GetInstances", "GetMethodParameters", "InvokeMethod",
    "Put", "Timeout", "Type",
    # ServiceController
    "DependentServices", "Refresh", "ServiceName", "Start", "Status", "Stop", "WaitForStatus",
    # TcpClient, streams, TLS, certificates, Stopwatch, IPGlobalProperties, DateTime, SHA256, Encoding
    "AsyncWaitHandle", "AuthenticateAsClient", "BeginConnect", "Certificate", "ChainElements", "Close",
    "ComputeHash", "DomainName", "ElapsedMilliseconds", "EndConnect", "Flush", "GetBytes", "GetStream",
    "GetString", "HostName", "Issuer", "NotAfter", "NotBefore", "ReadByte", "ReceiveTimeout", "SendTimeout",
    "SslProtocol", "Subject", "Thumbprint", "ToUniversalTime", "WaitOne", "Write", "AddressFamily",
    # TcpClient.Client, Socket.DualMode (.NET 4.5+), OperatingSystem.Version, Version.Build
    "Client", "DualMode", "Version", "Build",
    # the bootstrap: $ExecutionContext.SessionState.LanguageMode
    "SessionState", "LanguageMode",
    # the TLS worker: RunspacePool.Open/BeginClose, PowerShell.RunspacePool/AddScript/AddArgument/BeginInvoke/
    # EndInvoke/BeginStop (PowerShell 3.0+ SDK, learn.microsoft.com powershellsdk-1.1.0)
    "Open", "BeginClose", "RunspacePool", "AddScript", "AddArgument", "BeginInvoke", "EndInvoke", "BeginStop",
}  # fmt: skip

# Types from assemblies Windows PowerShell 5.1 may not have loaded: a file using one loads it by name.
ASSEMBLY_OF_NAMESPACE = {"system.serviceprocess.": "System.ServiceProcess", "system.management.": "System.Management"}
ALWAYS_LOADED = ("system.management.automation.",)

PS7_PARAMETERS = {"-parallel"}

_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


@dataclass
class Findings:
    """What one PowerShell text uses, and what is wrong with it."""

    problems: list[str] = field(default_factory=list)
    functions: set[str] = field(default_factory=set)
    commands: list[tuple[int, str]] = field(default_factory=list)
    types: list[tuple[int, str]] = field(default_factory=list)
    static: list[tuple[int, str]] = field(default_factory=list)
    members: list[tuple[int, str]] = field(default_factory=list)
    loaded: set[str] = field(default_factory=set)


def _text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8")


def _line(node: tree_sitter.Node) -> int:
    return node.start_point[0] + 1


def _collect(node: tree_sitter.Node, found: Findings) -> None:
    kind = node.type
    if node.is_error or node.is_missing:
        snippet = _text(node)[:40].replace("\n", " ")
        hint = " (PowerShell 7-only '??', '?.' or '? :'?)" if "?" in snippet else ""
        found.problems.append(f"line {_line(node)}: parse error at {snippet!r}{hint}")
    elif kind == "pipeline_chain_tail":
        found.problems.append(f"line {_line(node)}: '&&' or '||' is PowerShell 7-only")
    elif kind == "function_name":
        found.functions.add(_text(node).lower())
    elif kind == "command":
        _command(node, found)
    elif kind == "type_literal":
        found.types.append((_line(node), _text(node)[1:-1]))
    elif kind == "string_literal" and re.match(r"@['\"]", _text(node)):
        found.problems.append(f"line {_line(node)}: here-string")
    elif kind == "member_name":
        before = node.prev_sibling
        if before is not None and before.type == "::":
            owner = node.parent.children[0] if node.parent is not None else None
            if owner is None or owner.type != "type_literal":
                found.problems.append(f"line {_line(node)}: static member of something that is not a type literal")
            else:
                found.static.append((_line(node), f"{_text(owner)[1:-1]}::{_text(node)}"))
        else:
            found.members.append((_line(node), _text(node)))
    for child in node.children:
        _collect(child, found)


def _command(node: tree_sitter.Node, found: Findings) -> None:
    name = _text(node.children[0])
    found.commands.append((_line(node), name))
    elements = [c for c in node.children[1:] if c.type == "command_elements"]
    words = [c for e in elements for c in e.children if c.type not in ("command_argument_sep",)]
    parameters = [_text(w).lower() for w in words if w.type == "command_parameter"]
    for parameter in parameters:
        if parameter in PS7_PARAMETERS:
            found.problems.append(f"line {_line(node)}: {name} {parameter} is PowerShell 7-only")
    if name.lower() == "add-type":
        if parameters != ["-assemblyname"]:
            found.problems.append(f"line {_line(node)}: Add-Type {' '.join(parameters)}: only -AssemblyName (no C#)")
        else:
            found.loaded.update(_text(w).lower() for w in words if w.type == "generic_token")
    if name.lower() == "import-assembly":  # the agent's own wrapper of Add-Type -AssemblyName
        found.loaded.update(_text(w).strip("'\"").lower() for w in words if w.type != "command_parameter")
    if name.lower() == "new-object":
        typename = next((w for w in words if w.type == "generic_token"), None)
        if typename is not None:
            found.types.append((_line(node), _text(typename)))


def examine(text: str, functions: t.Iterable[str] = (), commands: t.Iterable[str] = ()) -> Findings:
    """Parse ``text`` and check it against the 5.1 rules; ``problems`` lists every breach.

    ``functions``: agent functions defined elsewhere (the core's, for a part) that ``text`` may call.
    """
    tree = _PARSER.parse(text.encode("utf-8"))
    found = Findings()
    _collect(tree.root_node, found)
    found.functions.update(name.lower() for name in [*functions, *commands])
    found.problems += _allow_list_problems(found)
    found.problems += [
        f"line {text.count(chr(10), 0, m.start()) + 1}: '{m.group(0)}': integers from ConvertFrom-Json are Int64 on"
        " PowerShell 7: use Test-JsonInteger"
        for m in re.finditer(r"-is(not)?\s+\[int\]", text, re.I)
    ]
    return found


def _allow_list_problems(found: Findings) -> list[str]:
    problems = []
    for line, name in found.commands:
        if name.lower() not in COMMANDS and name.lower() not in found.functions:
            problems.append(f"line {line}: command {name} is not in the Windows PowerShell 5.1 allow-list")
    for line, name in found.types:
        if name.lower() not in TYPES:
            problems.append(f"line {line}: type [{name}] is not in the .NET Framework allow-list")
        needed = _assembly_needed(name)
        if needed and needed.lower() not in found.loaded:
            problems.append(f"line {line}: [{name}] needs 'Add-Type -AssemblyName {needed}' in the same file")
    for line, name in found.static:
        if name.lower() not in STATIC_MEMBERS:
            problems.append(f"line {line}: static member [{name}] is not in the allow-list")
    for line, name in found.members:
        if not name[:1].islower() and name not in INSTANCE_MEMBERS:
            problems.append(f"line {line}: member .{name} is not in the allow-list")
    return problems


def _assembly_needed(type_name: str) -> str | None:
    lowered = type_name.lower()
    if lowered.startswith(ALWAYS_LOADED):
        return None
    return next((name for prefix, name in ASSEMBLY_OF_NAMESPACE.items() if lowered.startswith(prefix)), None)


# ---------------------------------------------------------------------------------------------
# The checker catches what it is for


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("$a = $b ?? 1", "parse error"),
        ("$a = $b?.Name", "parse error"),
        ("$a = $b ? 1 : 2", "parse error"),
        ("Get-Thing && Get-Other", "'&&' or '||' is PowerShell 7-only"),
        ("Get-Thing || Get-Other", "'&&' or '||' is PowerShell 7-only"),
        ("function f { process { } clean { } }", "parse error"),
        ("1..3 | ForEach-Object -Parallel { $_ }", "ForEach-Object -parallel is PowerShell 7-only"),
        ("Add-Type -TypeDefinition 'public class A {}'", "only -AssemblyName (no C#)"),
        ("Add-Type -MemberDefinition 'x' -Name A", "only -AssemblyName (no C#)"),
        ("$x = @'\ntext\n'@", "here-string"),
        ('$x = @"\ntext\n"@', "here-string"),
        ("Get-Random", "command Get-Random is not in the Windows PowerShell 5.1 allow-list"),
        ("$r = [System.Net.Http.HttpClient]::new()", "type [System.Net.Http.HttpClient] is not in"),
        ("$x = [string]::Join(',', $a)", "static member [string::Join] is not in the allow-list"),
        ("$x = $a.ReplaceLineEndings()", "member .ReplaceLineEndings is not in the allow-list"),
        ("$s = New-Object System.ServiceProcess.ServiceController 'x'", "needs 'Add-Type -AssemblyName"),
        ("if ($v -is [int]) { }", "use Test-JsonInteger"),
        ("$x = (", "parse error"),
    ],
)
def test_checker_finds(snippet: str, expected: str) -> None:
    problems = examine(snippet).problems
    assert any(expected in problem for problem in problems), problems


def test_checker_accepts_what_51_has() -> None:
    snippet = "\n".join(
        [
            "Add-Type -AssemblyName System.ServiceProcess",
            "function Get-It($Name) { $s = New-Object System.ServiceProcess.ServiceController -ArgumentList $Name",
            "  return [ordered]@{ name = $s.ServiceName; state = $h.state } }",
            "$b = [Convert]::ToBase64String([byte[]]@(1, 2))",
            "$n = Get-It 'x'",
        ]
    )
    assert examine(snippet).problems == []


# ---------------------------------------------------------------------------------------------
# The agent


def _all_functions() -> set[str]:
    names: set[str] = set()
    for path in AGENT_FILES:
        names |= examine(path.read_text(encoding="utf-8")).functions
    return names


def test_every_agent_file_is_found() -> None:
    expected = {"_agent.ps1", *(f"_agent_{part}.ps1" for part in protocol.AGENT_PARTS)}
    assert {path.name for path in AGENT_FILES} == expected


@pytest.mark.parametrize("path", AGENT_FILES, ids=lambda p: p.name)
def test_agent_file_is_clean_windows_powershell_51(path: Path) -> None:
    found = examine(path.read_text(encoding="utf-8"), _all_functions())
    assert found.problems == [], "\n".join(found.problems)
    assert found.functions, "no function found: did the grammar read the file?"


@pytest.mark.parametrize("part", [None, *protocol.AGENT_PARTS])
def test_shipped_text_parses_like_the_source(part: str | None) -> None:
    # Comment lines and indentation are dropped before sending: the grammar must see the same code.
    source = protocol.agent_source(part)
    sent = protocol.agent_part(part) if part else protocol.agent_script()
    assert examine(sent, _all_functions()).problems == []
    assert _shape(sent) == _shape(source)


def test_core_without_its_apply_region_parses() -> None:
    sent = protocol.agent_script(with_apply=False)
    assert examine(sent, _all_functions()).problems == []
    defined = examine(sent).functions
    assert "invoke-read" in defined and "invoke-apply" not in defined


def _shape(text: str) -> list[str]:
    """Node types of the parse tree without comments: equal shapes mean the same code."""
    kinds: list[str] = []

    def walk(node: tree_sitter.Node) -> None:
        if node.type != "comment":
            kinds.append(node.type)
            for child in node.children:
                walk(child)

    walk(_PARSER.parse(text.encode("utf-8")).root_node)
    return kinds


def test_bootstrap_is_clean_windows_powershell_51() -> None:
    # Only the bootstrap parses JSON and calls a script block (the agent text, with '&').
    found = examine(protocol.BOOTSTRAP_SCRIPT, commands=["ConvertFrom-Json", "&"])
    assert found.problems == [], found.problems
    # The language mode is read before anything Constrained Language Mode refuses.
    script = protocol.BOOTSTRAP_SCRIPT
    assert script.index("LanguageMode") < script.index("[Console]") < script.index("[ScriptBlock]::Create")
