"""Static checks of the agent's tls_probe operation (no PowerShell here), and its twin's exact behaviour.

The agent's messages, patterns and proxy-text reading must be the twin's, since the end-to-end tests only
ever run the twin; what can be read from the script text is checked against it.
"""

from __future__ import annotations

import re
import struct
import typing as t

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.proxyfleet.windows.plugins.plugin_utils import _agent_protocol as protocol
from ansible_collections.proxyfleet.windows.plugins.plugin_utils._findings import proxy_endpoint
from tests.unit.plugins.plugin_utils.test_agent_script import SCRIPT, scan
from tests.winsim import agent_twin, probe_twin
from tests.winsim.regfile import REG_BINARY, Value
from tests.winsim.registry import Registry

CONNECTIONS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections"


def function_body(name: str) -> str:
    """The text of one agent function (from its header to the matching brace)."""
    start = SCRIPT.index(f"function {name}(")
    code = scan(SCRIPT)[0]
    depth = 0
    for index in range(code.index("{", start), len(code)):
        depth += {"{": 1, "}": -1}.get(code[index], 0)
        if depth == 0:
            return SCRIPT[start : index + 1]
    raise AssertionError(f"unclosed function {name}")


def _dotnet_pattern(name: str) -> re.Pattern[str]:
    found = re.search(rf"^\${name} = '([^']*)'$", SCRIPT, re.M)
    assert found, name
    return re.compile(found.group(1).replace("\\z", "\\Z"))


# --- the agent's text ----------------------------------------------------------------------------------------


# Changed on purpose (issue 18.6): TLS 1.3 is offered where Windows has it; the CONNECT request sends a
# User-Agent; errors keep the inner exceptions' reasons; IPv6 gets a socket of its family.
# Changed on purpose (issue 20): the probes connect at the same time (every BeginConnect is started before the
# first is waited for), then finish one at a time; deadline_ms bounds the whole operation, so a network that
# silently drops a way out costs timeout_ms once, not once per probe.
# Changed on purpose (issue 18.6, last part): one deadline per probe, computed when its turn comes, bounds the
# WHOLE probe - the connection's wait, the CONNECT exchange, the TLS handshake with its chain building, the GET -
# each phase getting what is left of it (before, the phases after the connection got timeout_ms afresh).
def test_every_network_step_is_bounded_by_one_deadline_per_probe() -> None:
    complete = function_body("Complete-Probe")
    until = "$until = [Math]::Min([long]$Overall.ElapsedMilliseconds + $TimeoutMs, [long]$DeadlineMs)"
    assert complete.index(until) < complete.index("try {")
    assert (
        "$left = [Math]::Min((Get-ProbeBudget $clock $TimeoutMs $Overall $DeadlineMs), (Get-ProbeLeft $Overall $until))"
        in complete
    )
    assert "$Probe.pending.AsyncWaitHandle.WaitOne($left)" in complete
    # Every phase after the connection: the socket's reads and writes get what is left of the one deadline.
    assert complete.count("Set-ProbeDeadline $client (Get-ProbeLeft $Overall $until)") == 3
    assert complete.count("Read-HttpHead $stream $client $Overall $until") == 2
    handshake = "Invoke-TlsHandshake $Workers $stream ($Target.host.Trim('[', ']')) (Get-ProbeLeft $Overall $until)"
    assert handshake in complete
    # No phase starts its own budget: the only budget after the connection is $until.
    assert "Get-ProbeBudget" not in complete[complete.index("EndConnect") :]
    budget = function_body("Get-ProbeBudget")
    assert "$left = $BudgetMs - [int]$Clock.ElapsedMilliseconds" in budget
    assert "$overallLeft = $DeadlineMs - [int]$Overall.ElapsedMilliseconds" in budget
    assert "if ($overallLeft -lt $left) { $left = $overallLeft }" in budget
    assert "return [Math]::Max(1, $left)" in budget
    assert "return [int][Math]::Max(1, $Until - $Overall.ElapsedMilliseconds)" in function_body("Get-ProbeLeft")
    deadline = function_body("Set-ProbeDeadline")
    assert "$Client.ReceiveTimeout = $LeftMs" in deadline and "$Client.SendTimeout = $LeftMs" in deadline
    # The stream is read byte by byte up to a fixed size, never to the end of an endless answer, and every read
    # gets only what is left: a server sending a byte at a time cannot stretch the phase.
    head = function_body("Read-HttpHead")
    assert "while ($bytes.Count -lt $ProbeMaxHeadBytes)" in head
    assert head.index("Set-ProbeDeadline $Client (Get-ProbeLeft $Overall $Until)") < head.index("$Stream.ReadByte()")


def test_the_tls_handshake_is_waited_for_with_a_bound_and_abandoned() -> None:
    handshake = function_body("Invoke-TlsHandshake")
    steps = [
        "$worker = [powershell]::Create()",
        "$worker.RunspacePool = $Workers",
        ".AddScript($TlsHandshakeWorker.ToString())",
        "$pending = $worker.BeginInvoke()",
        "if (-not $pending.AsyncWaitHandle.WaitOne($LeftMs)) {",
        "[void]$worker.BeginStop($null, $null)",
        "return $null",
        "try { [void]$worker.EndInvoke($pending) } finally { $worker.Dispose() }",
        "if ($null -ne $state['error']) { throw $state['error'] }",
    ]
    positions = [handshake.index(step) for step in steps]
    assert positions == sorted(positions)
    # On timeout the socket under the handshake is closed (its reads fail, the worker ends) before the error.
    complete = function_body("Complete-Probe")
    abandon = complete[complete.index("if ($null -eq $tls) {") :]
    assert abandon.index("$client.Close()") < abandon.index("throw (Get-TimeoutMessage 'tls' $Probe")
    # One pool per operation, opened before the clock starts, closed without waiting for an abandoned worker.
    operation = function_body("Invoke-TlsProbe")
    assert operation.index("$workers = Open-TlsWorkers") < operation.index("$overall = [System.Diagnostics.Stopwatch]")
    assert "if ($null -ne $workers) { [void]$workers.BeginClose($null, $null) }" in operation
    assert "[runspacefactory]::CreateRunspacePool(1, 4)" in function_body("Open-TlsWorkers")


def test_every_probe_connects_before_the_first_is_waited_for() -> None:
    start = function_body("Start-Probe")
    assert "BeginConnect($peer.host.Trim('[', ']'), $peer.port, $null, $null)" in start
    # No wait and no callback (a script block would run on a thread without a runspace).
    assert "WaitOne" not in start and "EndConnect" not in start
    operation = function_body("Invoke-TlsProbe")
    starting = operation.index("[void]$started.Add((Start-Probe $targets[$i] $i $route['proxy']))")
    completing = operation.index("foreach ($probe in $started) { [void]$probes.Add((Complete-Probe")
    assert starting < completing
    assert "if (-not (Test-JsonInteger $deadline) -or $deadline -lt 100 -or $deadline -gt 600000)" in operation
    assert "elapsed_ms = [int]$overall.ElapsedMilliseconds" in operation


def worker_body() -> str:
    """The text of the TLS handshake's worker script block ($TlsHandshakeWorker = { ... })."""
    start = SCRIPT.index("$TlsHandshakeWorker = {")
    code = scan(SCRIPT)[0]
    depth = 0
    for index in range(code.index("{", start), len(code)):
        depth += {"{": 1, "}": -1}.get(code[index], 0)
        if depth == 0:
            return SCRIPT[start : index + 1]
    raise AssertionError("unclosed $TlsHandshakeWorker")


def test_tls_1_2_and_1_3_where_windows_has_it_without_process_wide_settings() -> None:
    assert "[void]$tls.AuthenticateAsClient($ServerName, $null, $Protocols, $false)" in worker_body()
    assert ".AddArgument((Get-ProbeProtocols))" in function_body("Invoke-TlsHandshake")
    protocols = function_body("Get-ProbeProtocols")
    assert "[Environment]::OSVersion.Version.Build -ge 20348" in protocols
    assert "[System.Security.Authentication.SslProtocols]'Tls12, Tls13'" in protocols
    lowered = scan(SCRIPT)[1].lower()
    # A process-wide certificate callback or protocol switch would outlive the probe in a psrp runspace.
    for forbidden in ("servicepointmanager", "invoke-webrequest", "webclient", "httpwebrequest", "set-itemproperty"):
        assert forbidden not in lowered, forbidden


def test_the_handshake_worker_calls_no_agent_function() -> None:
    # It runs in a runspace of its own (the agent's functions are not there), synchronously, so the certificate
    # callback - a script block - runs on the worker's thread, which has a runspace. SslStream's
    # BeginAuthenticateAsClient would call it on an I/O thread without one ("There is no Runspace available").
    worker = worker_body()
    agent_functions = set(re.findall(r"^function ([A-Za-z]+-[A-Za-z]+)\(", SCRIPT, re.M))
    assert {name for name in agent_functions if name in worker} == set()
    assert "BeginAuthenticateAsClient" not in scan(SCRIPT)[1]
    callback = worker[worker.index("$accept = {") : worker.index(".GetNewClosure()")]
    assert "return $true" in callback
    # It answers through the shared $State only.
    assert "$State['tls'] = [ordered]@{" in worker and "$State['error'] = $_.Exception" in worker


def test_request_lines_are_built_from_validated_fields_only() -> None:
    probe = function_body("Complete-Probe")
    sent = re.findall(r'Send-Ascii \$stream "([^"]*)"', probe)
    assert sent == [
        "CONNECT $tunnel HTTP/1.1`r`nHost: $tunnel`r`nUser-Agent: proxyfleet-probe`r`n`r`n",
        "GET $requestTarget HTTP/1.1`r`nHost: $authority`r`nUser-Agent: proxyfleet-probe`r`nConnection: close`r`n`r`n",
    ]


@pytest.mark.parametrize(
    "text",
    ["geo.prod.do.dsp.mp.microsoft.com", "10.0.0.6", "[fd00::1]", "a_b", "", "-a", "a b", "a'b", "a\nb", "a$(x)",
     "\u00e9.example", "[::1", "a.", "x" * 254],
)  # fmt: skip
def test_host_patterns_are_the_twins(text: str) -> None:
    agent = bool(_dotnet_pattern("ProbeHostPattern").search(text) or _dotnet_pattern("ProbeIPv6Pattern").search(text))
    assert agent == probe_twin._is_host(text)


@pytest.mark.parametrize("text", ["/", "/test", "/$(x);&(y)", "", "x", "/a b", "/a\n", "/\u00e9", "/" + "a" * 2048])
def test_path_pattern_is_the_twins(text: str) -> None:
    assert bool(_dotnet_pattern("ProbePathPattern").search(text)) == bool(probe_twin.PATH.fullmatch(text))


PROBE = {"op": "tls_probe", "timeout_ms": 5000, "deadline_ms": 20000, "routes": [{"type": "direct"}]}
TARGET = {"scheme": "https", "host": "a.example", "port": 443, "path": "/", "routes": [0]}


@pytest.mark.parametrize(
    ("agent_message", "variables", "change"),
    [
        ("'timeout_ms' must be an integer 100..120000", {}, {"timeout_ms": 99}),
        ("'deadline_ms' must be an integer 100..600000", {}, {"deadline_ms": 600001}),
        ("'deadline_ms' must be an integer 100..600000", {}, {"deadline_ms": None}),
        ("'$Name' must be a list", {"Name": "routes"}, {"routes": {}}),
        ("targets[$Index]: scheme must be 'http' or 'https'", {"Index": "0"}, {"targets": [{**TARGET, "scheme": "x"}]}),
        (
            "targets[$Index]: invalid host '$hostName' (expected a host name, an IPv4 address or a bracketed IPv6"
            " address)",
            {"Index": "0", "hostName": "a$(b)"},
            {"targets": [{**TARGET, "host": "a$(b)"}]},
        ),
        ("targets[$Index]: port must be an integer 1..65535", {"Index": "0"}, {"targets": [{**TARGET, "port": 0}]}),
        (
            "targets[$Index]: invalid path (expected '/' followed by printable ASCII characters without spaces)",
            {"Index": "0"},
            {"targets": [{**TARGET, "path": "/a\r\nHost: x"}]},
        ),
        (
            "targets[$Index]: 'routes' must be a non-empty list of route indexes",
            {"Index": "0"},
            {"targets": [{**TARGET, "routes": []}]},
        ),
        (
            "targets[$Index]: route index '$route' is not one of 'routes'",
            {"Index": "0", "route": "1"},
            {"targets": [{**TARGET, "routes": [1]}]},
        ),
        ("routes[$Index]: type must be 'direct' or 'proxy'", {"Index": "0"}, {"routes": [{"type": "socks"}]}),
        (
            "routes[$Index]: proxy '$literal' is not host:port",
            {"Index": "0", "literal": "proxy"},
            {"routes": [{"type": "proxy", "proxy": "proxy"}]},
        ),
        ("routes[$Index]: a proxy route needs 'proxy' or 'from'", {"Index": "0"}, {"routes": [{"type": "proxy"}]}),
    ],
)  # fmt: skip
def test_input_errors_are_the_twins(agent_message: str, variables: dict[str, str], change: dict[str, t.Any]) -> None:
    assert f'throw "{agent_message}"' in SCRIPT
    expected = agent_message
    for variable, value in variables.items():
        expected = expected.replace(f"${variable}", value)
    operation = {**PROBE, "targets": [TARGET], **change}
    [result] = agent_twin.run_request(Registry(), protocol.build_request([operation]))["results"]
    assert result == {"op": "tls_probe", "status": "error", "error": expected}


@pytest.mark.parametrize(
    "message",
    [
        "connecting to $($Probe.peer.host):$($Probe.peer.port) timed out after $TimeoutMs ms",
        "$(Get-DeadlineMessage $DeadlineMs): connecting to $peer timed out after $($clock.ElapsedMilliseconds) ms",
        "the proxy answered CONNECT with HTTP $status",
        "the answer does not start with an HTTP status line: '$line'",
        "value '$name' has $($bytes.Length) bytes, too few for a length at offset $offset",
        "value '$name' announces $length bytes at offset $offset but has fewer",
        "value '$name' is a $($state.type) value, expected string or binary",
    ],
)
def test_documented_probe_errors_are_the_agents(message: str) -> None:
    assert f'throw "{message}"' in SCRIPT
    assert "'the connection closed before an HTTP status line arrived'" in SCRIPT


def _render(template: str, values: dict[str, str]) -> str:
    """An agent string with its variables replaced (longest first, so $($Probe.proxy) before $Probe)."""
    for variable in sorted(values, key=len, reverse=True):
        template = template.replace(variable, values[variable])
    assert "$" not in template, template
    return template


@pytest.mark.parametrize("stage", ["proxy", "tls", "http"])
@pytest.mark.parametrize("by_deadline", [False, True])
def test_timeout_messages_are_the_twins(stage: str, by_deadline: bool) -> None:
    body = function_body("Get-TimeoutMessage")
    phases = dict(re.findall(r"if \(\$Stage -ceq '(\w+)'\) \{ \$phase = \"([^\"]*)\" \}", body))
    phases["http"] = re.search(r'^    \$phase = "([^"]*)"$', body, re.M).group(1)  # type: ignore[union-attr]
    returns = re.findall(r'return "([^"]*)"', body)
    assert len(returns) == 2 and set(phases) == {"proxy", "tls", "http"}
    deadline = re.search(r'Get-DeadlineMessage\(\[int\]\$DeadlineMs\) \{ return "([^"]*)" \}', SCRIPT)
    assert deadline
    values = {"$DeadlineMs": "20000", "$SpentMs": "997", "$TimeoutMs": "5000", "$target": "a.example:443",
              "$($Probe.target.host)": "a.example", "$($Probe.target.port)": "443",
              "$($Probe.proxy)": "p.example:8080"}  # fmt: skip
    values["$(Get-DeadlineMessage $DeadlineMs)"] = _render(deadline.group(1), values)
    values["$phase"] = _render(phases[stage], values)
    agent = _render(returns[0] if by_deadline else returns[1], values)
    assert "if ($ByDeadline) { return" in body
    target = {"host": "a.example", "port": 443}
    assert agent == probe_twin.timeout_message(stage, target, "p.example:8080", 997, 5000, by_deadline, 20000)


def test_connect_timeout_messages_are_the_twins() -> None:
    complete = function_body("Complete-Probe")
    assert '$peer = "$($Probe.peer.host):$($Probe.peer.port)"' in complete
    bounded = re.search(r'if \(\$Overall\.ElapsedMilliseconds -ge \$DeadlineMs\) \{ throw "([^"]*)" \}', complete)
    assert bounded
    values = {"$(Get-DeadlineMessage $DeadlineMs)": probe_twin.deadline_message(1000), "$peer": "a.example:443",
              "$($clock.ElapsedMilliseconds)": "1001"}  # fmt: skip
    twin = _host_twin_connect_error()
    assert _render(bounded.group(1), values) == twin


def _host_twin_connect_error() -> str:
    operation = {"timeout_ms": 5000, "deadline_ms": 1000, "routes": [{"type": "direct"}],
                 "targets": [{**TARGET, "routes": [0]}, {**TARGET, "routes": [0]}]}  # fmt: skip
    facts = {"network": {"rules": [{"host": "*", "answer": {"drop": True}}]}}
    result = twin_probe(Registry(), facts, **operation)
    return str(result["probes"][1]["error"])


# --- proxy text: the agent's reading is the controller's --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "endpoint"),
    [
        ("proxy.corp.example:8080", "proxy.corp.example:8080"),
        ("http://PROXY.corp.example:8080/", "proxy.corp.example:8080"),
        ("http=a:80;https=b:8443", "b:8443"),
        ("http=a:80", "a:80"),
        ("ftp=f:21;socks=s:1080", "f:21"),
        ("https=;http=a:80", "a:80"),
        (" 10.0.0.6:8080 ", "10.0.0.6:8080"),
    ],
)
def test_proxy_endpoint_is_the_controllers(text: str, endpoint: str) -> None:
    assert probe_twin.proxy_endpoint(text) == proxy_endpoint(text) == endpoint


@given(st.text(alphabet=st.sampled_from("ab:=;/ .hHtTpPsS0189"), max_size=30))
def test_proxy_endpoint_matches_the_controller_on_any_text(text: str) -> None:
    assert probe_twin.proxy_endpoint(text) == proxy_endpoint(text)


def test_get_proxy_endpoint_follows_the_same_steps() -> None:
    body = function_body("Get-ProxyEndpoint")
    steps = ["$value = $Text.Trim()", "IndexOf('://')", "$value.TrimEnd('/')", "$value.Contains('=')", "Split(';')",
             "@('https', 'http')", "return $value.TrimEnd('/').ToLowerInvariant()"]  # fmt: skip
    positions = [body.index(step) for step in steps]
    assert positions == sorted(positions)


# --- the twin ----------------------------------------------------------------------------------------------------


def lp(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("ascii")


def twin_probe(registry: Registry, facts: dict[str, t.Any], **operation: t.Any) -> dict[str, t.Any]:
    request = protocol.build_request([{**PROBE, "targets": [TARGET], **operation}])
    [result] = agent_twin.run_request(registry, request, facts=facts)["results"]
    return result


def from_value(name: str, offset: int | None = 12) -> dict[str, t.Any]:
    source: dict[str, t.Any] = {"hive": "HKLM", "path": CONNECTIONS, "view": 64, "name": name}
    if offset is not None:
        source["offset"] = offset
    return {"type": "proxy", "from": source}


def test_routes_from_registry_values() -> None:
    registry = Registry()
    registry.set_value("HKLM", CONNECTIONS, "WinHttpSettings", Value(REG_BINARY, bytes(12) + lp("Old.Corp:3128")))
    registry.set_value("HKLM", CONNECTIONS, "Short", Value(REG_BINARY, bytes(10)))
    registry.set_value("HKLM", CONNECTIONS, "Text", Value.string("http=a:80;https=b:8443"))
    registry.set_value("HKLM", CONNECTIONS, "Word", Value.dword(1))
    registry.set_value("HKLM", CONNECTIONS, "NoPort", Value.string("proxy"))
    routes = [
        from_value("WinHttpSettings"),
        from_value("Short"),
        from_value("Text", None),
        from_value("Word"),
        from_value("Missing"),
        from_value("NoPort"),
    ]
    result = twin_probe(registry, {}, routes=routes, targets=[{**TARGET, "routes": [0, 2, 4]}])
    assert result["routes"] == [
        {"index": 0, "type": "proxy", "proxy": "old.corp:3128", "text": "Old.Corp:3128"},
        {
            "index": 1,
            "type": "proxy",
            "proxy": None,
            "text": None,
            "error": "value 'Short' has 10 bytes, too few for a length at offset 12",
        },
        {"index": 2, "type": "proxy", "proxy": "b:8443", "text": "http=a:80;https=b:8443"},
        {
            "index": 3,
            "type": "proxy",
            "proxy": None,
            "text": None,
            "error": "value 'Word' is a dword value, expected string or binary",
        },
        {"index": 4, "type": "proxy", "proxy": None, "text": None},
        {"index": 5, "type": "proxy", "proxy": None, "text": "proxy", "error": "proxy 'proxy' is not host:port"},
    ]
    # The missing value names no proxy: not tried. The other two are two ways out.
    assert [probe["via"] for probe in result["probes"]] == ["old.corp:3128", "b:8443"]


NETWORK = {
    "chains": {"ca": [{"subject": "CN=a.example", "issuer": "CN=Some CA", "thumbprint": "AB", "not_before": "x",
                       "not_after": "y"}]},
    "rules": [
        {"host": "a.example", "port": 443, "via": "p:1",
         "answer": {"stage": "proxy", "error": "denied", "proxy_status": 407}},
        {"host": "*.EXAMPLE", "port": 443, "answer": {"chain": "ca"}},
        {"host": "*.example", "port": 80, "via": "direct", "answer": {"http_status": 301}},
    ],
}  # fmt: skip


def test_probes_follow_the_first_matching_rule() -> None:
    routes = [{"type": "direct"}, {"type": "proxy", "proxy": "P:1"}, {"type": "proxy", "proxy": "p:1"}]
    targets = [
        {**TARGET, "routes": [0, 1, 2]},
        {**TARGET, "scheme": "http", "port": 80, "routes": [0, 1]},
        {**TARGET, "host": "b.test", "routes": [0]},
    ]
    result = twin_probe(Registry(), {"network": NETWORK}, routes=routes, targets=targets)
    summary = [
        (p["target"], p["via"], p["ok"], p["stage"], p["error"], p["proxy_status"], p["http_status"])
        for p in result["probes"]
    ]
    assert summary == [
        (0, "direct", True, "done", None, None, None),
        (0, "p:1", False, "proxy", "denied", 407, None),  # the two spellings of one proxy share a probe
        (1, "direct", True, "done", None, None, 301),
        (1, "p:1", False, "connect", "No such host is known", None, None),
        (2, "direct", False, "connect", "No such host is known", None, None),
    ]
    first = result["probes"][0]
    assert first["tls"] == {"protocol": "Tls12", "policy_errors": "None", "chain": NETWORK["chains"]["ca"]}
    assert first["timings"] == {"connect_ms": 3, "proxy_ms": None, "tls_ms": 6, "http_ms": None, "total_ms": 6}


def test_the_request_is_data_even_when_it_looks_like_script() -> None:
    target = {**TARGET, "path": "/$(Remove-Item%20C:\\);`whoami`"}
    result = twin_probe(Registry(), {"network": NETWORK}, targets=[target])
    assert result["probes"][0]["ok"] is True


def test_ipv6_targets_and_proxies_get_a_socket_of_their_family() -> None:
    client = function_body("New-ProbeClient")
    assert "[System.Net.IPAddress]::TryParse($HostName, [ref]$address)" in client
    assert "TcpClient -ArgumentList $address.AddressFamily" in client
    assert "$client.Client.DualMode = $true" in client
    assert "$probe['client'] = New-ProbeClient ($peer.host.Trim('[', ']'))" in function_body("Start-Probe")


def test_probe_errors_keep_the_inner_reason() -> None:
    assert "$result['error'] = Get-ProbeError $_" in function_body("Start-Probe")
    assert "$message = Get-ProbeError $_" in function_body("Complete-Probe")
    assert "return $messages -join ': '" in function_body("Get-ProbeError")
