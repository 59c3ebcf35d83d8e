# proxyfleet.windows host agent part 'tls' (docs/dev/agent-protocol.md): the tls_probe operation.
# Sent before the core (_agent.ps1) only when a request uses it; it only defines functions.
# --- tls_probe: reach URLs from the host, directly or through an HTTP proxy (CONNECT) --------------
# Targets and proxies are validated data; the HTTP request lines built from them are bytes sent on a
# socket, never script. One deadline per probe, computed when its turn comes, bounds every phase of it:
# connect, proxy CONNECT, TLS handshake (certificate chain building included) and the HTTP answer.
$ProbeHostPattern = '^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?\z'
$ProbeIPv6Pattern = '^\[[0-9A-Fa-f:.]{2,45}\]\z'
$ProbePathPattern = '^/[\x21-\x7E]{0,2047}\z'
$ProbeMaxHeadBytes = 16384

function Test-ProbeHost($Value) {
    return $Value -is [string] -and ($Value -cmatch $ProbeHostPattern -or $Value -cmatch $ProbeIPv6Pattern)
}

function Get-ProbeTarget($Target, [int]$Index, [int]$RouteCount) {
    $scheme = Get-Field $Target 'scheme'
    if (@('http', 'https') -cnotcontains $scheme) { throw "targets[$Index]: scheme must be 'http' or 'https'" }
    $hostName = Get-Field $Target 'host'
    if (-not (Test-ProbeHost $hostName)) {
        throw "targets[$Index]: invalid host '$hostName' (expected a host name, an IPv4 address or a bracketed IPv6 address)"
    }
    $port = Get-Field $Target 'port'
    if (-not (Test-JsonInteger $port) -or $port -lt 1 -or $port -gt 65535) { throw "targets[$Index]: port must be an integer 1..65535" }
    $path = Get-Field $Target 'path'
    if ($path -isnot [string] -or $path -cnotmatch $ProbePathPattern) {
        throw "targets[$Index]: invalid path (expected '/' followed by printable ASCII characters without spaces)"
    }
    $routes = Get-Field $Target 'routes'
    if ($routes -isnot [array] -or $routes.Count -eq 0) { throw "targets[$Index]: 'routes' must be a non-empty list of route indexes" }
    foreach ($route in $routes) {
        if (-not (Test-JsonInteger $route) -or $route -lt 0 -or $route -ge $RouteCount) { throw "targets[$Index]: route index '$route' is not one of 'routes'" }
    }
    return @{ scheme = $scheme; host = $hostName; port = $port; path = $path; routes = $routes }
}

# host:port -> @{ host; port }, or $null when the text is not host:port.
function Split-HostPort([string]$Text) {
    $cut = $Text.LastIndexOf(':')
    if ($cut -lt 1) { return $null }
    $hostName = $Text.Substring(0, $cut)
    $digits = $Text.Substring($cut + 1)
    if ($digits -cnotmatch '^[0-9]{1,5}\z' -or -not (Test-ProbeHost $hostName)) { return $null }
    $port = [int]$digits
    if ($port -lt 1 -or $port -gt 65535) { return $null }
    return @{ host = $hostName; port = $port }
}

# The host:port a proxy setting names, read as the controller's proxy_endpoint() reads it: without a
# leading scheme:// and trailing '/', from a per-scheme list (http=h:p;https=h:p) the https entry, else
# the http one, else the first; lower case.
function Get-ProxyEndpoint([string]$Text) {
    $value = $Text.Trim()
    $cut = $value.IndexOf('://')
    if ($cut -ge 0) { $value = $value.Substring($cut + 3) }
    $value = $value.TrimEnd('/')
    if ($value.Contains('=')) {
        $entries = [ordered]@{}
        foreach ($item in $value.Split(';')) {
            $equals = $item.IndexOf('=')
            if ($equals -ge 0 -and $item.Substring(0, $equals).Trim() -ne '') {
                $entries[$item.Substring(0, $equals).Trim().ToLowerInvariant()] = $item.Substring($equals + 1).Trim()
            }
        }
        $picked = $null
        foreach ($scheme in @('https', 'http')) { if ($null -eq $picked -and $entries.Contains($scheme) -and $entries[$scheme] -ne '') { $picked = $entries[$scheme] } }
        if ($null -eq $picked) { foreach ($entry in $entries.Values) { if ($null -eq $picked) { $picked = $entry } } }
        if ($null -ne $picked) { $value = [string]$picked }
    }
    return $value.TrimEnd('/').ToLowerInvariant()
}

# The text a route's 'from' names: a REG_SZ/REG_EXPAND_SZ value as it is, or from a REG_BINARY value the
# ASCII string that follows a little-endian UInt32 length at byte 'offset'. $null when there is no value.
function Read-ProxyText($From) {
    if ((Get-KeyPath $From).Split('\') -ccontains '*') { throw "wildcard '*' in key path: a route reads one value" }
    $name = Get-Field $From 'name'
    if ($name -isnot [string]) { throw "'from.name' must be a string" }
    $key = Open-Key $From
    if ($null -eq $key) { return $null }
    try { $state = Read-Value $key $name } finally { $key.Dispose() }
    if (-not $state.exists) { return $null }
    if ($state.type -ceq 'string' -or $state.type -ceq 'expandstring') { return [string]$state.raw }
    if ($state.type -cne 'binary') { throw "value '$name' is a $($state.type) value, expected string or binary" }
    $offset = Get-Field $From 'offset'
    if (-not (Test-JsonInteger $offset) -or $offset -lt 0) { throw "'from.offset' must be an integer >= 0 for the binary value '$name'" }
    $bytes = [byte[]]$state.raw
    if ($bytes.Length -lt $offset + 4) { throw "value '$name' has $($bytes.Length) bytes, too few for a length at offset $offset" }
    $length = [BitConverter]::ToUInt32($bytes, $offset)
    if ($length -gt $bytes.Length - $offset - 4) { throw "value '$name' announces $length bytes at offset $offset but has fewer" }
    return [Text.Encoding]::ASCII.GetString($bytes, $offset + 4, [int]$length)
}

# One route as the result reports it: its type, the proxy host:port it resolved to ($null: direct, or
# no proxy configured where 'from' points), the text read, or the error that left it unusable.
function Resolve-ProbeRoute($Route, [int]$Index) {
    $type = Get-Field $Route 'type'
    if ($type -ceq 'direct') { return [ordered]@{ index = $Index; type = 'direct'; proxy = $null } }
    if ($type -cne 'proxy') { throw "routes[$Index]: type must be 'direct' or 'proxy'" }
    $literal = Get-Field $Route 'proxy'
    $from = Get-Field $Route 'from'
    if ($null -ne $literal) {
        if ($literal -isnot [string] -or $null -eq (Split-HostPort $literal)) { throw "routes[$Index]: proxy '$literal' is not host:port" }
        return [ordered]@{ index = $Index; type = 'proxy'; proxy = $literal.ToLowerInvariant() }
    }
    if ($null -eq $from) { throw "routes[$Index]: a proxy route needs 'proxy' or 'from'" }
    $resolved = [ordered]@{ index = $Index; type = 'proxy'; proxy = $null; text = $null }
    try {
        $text = Read-ProxyText $from
        if ($null -ne $text -and $text.Trim() -ne '') {
            $resolved['text'] = $text
            $endpoint = Get-ProxyEndpoint $text
            if ($null -eq (Split-HostPort $endpoint)) { throw "proxy '$endpoint' is not host:port" }
            $resolved['proxy'] = $endpoint
        }
    } catch { $resolved['error'] = Get-ErrorMessage $_ }
    return $resolved
}

# The answer head (status line and headers) up to the blank line, at most $ProbeMaxHeadBytes bytes. Each
# read gets what is left until $Until (ms on the operation's stopwatch): a server that sends one byte at a
# time cannot stretch the phase past the probe's deadline.
function Read-HttpHead($Stream, $Client, $Overall, [long]$Until) {
    $bytes = New-Object System.Collections.Generic.List[byte]
    while ($bytes.Count -lt $ProbeMaxHeadBytes) {
        Set-ProbeDeadline $Client (Get-ProbeLeft $Overall $Until)
        $next = $Stream.ReadByte()
        if ($next -lt 0) { break }
        [void]$bytes.Add([byte]$next)
        $n = $bytes.Count
        if ($n -ge 4 -and $bytes[$n - 4] -eq 13 -and $bytes[$n - 3] -eq 10 -and $bytes[$n - 2] -eq 13 -and $bytes[$n - 1] -eq 10) { break }
    }
    return [Text.Encoding]::ASCII.GetString($bytes.ToArray())
}

function Get-HttpStatus([string]$Head) {
    $line = ($Head -split "`r`n")[0]
    if ($line -cmatch '^HTTP/1\.[01] ([0-9]{3})') { return [int]$Matches[1] }
    if ($line -eq '') { throw 'the connection closed before an HTTP status line arrived' }
    if ($line.Length -gt 100) { $line = $line.Substring(0, 100) }
    throw "the answer does not start with an HTTP status line: '$line'"
}

function Send-Ascii($Stream, [string]$Text) {
    $bytes = [Text.Encoding]::ASCII.GetBytes($Text)
    [void]$Stream.Write($bytes, 0, $bytes.Length)
    [void]$Stream.Flush()
}

# The TLS handshake, run by a worker runspace (Invoke-TlsHandshake). The certificate chain Windows built from
# what the server presented is kept whether or not it validates (the callback accepts it: nothing is sent
# over the connection afterwards). It runs in another runspace, so it calls no agent function; it reports
# through $State, never by output.
$TlsHandshakeWorker = {
    param($Stream, [string]$ServerName, $Protocols, $State)
    $captured = @{ chain = (New-Object System.Collections.ArrayList); errors = $null }
    # Runs synchronously inside AuthenticateAsClient, on this worker's thread, which has a runspace.
    # Windows resets the chain after the callback: copy what is reported now.
    $accept = {
        param($Source, $Certificate, $Chain, $Errors)
        $captured['errors'] = [string]$Errors
        foreach ($element in $Chain.ChainElements) {
            $item = $element.Certificate
            [void]$captured['chain'].Add([ordered]@{
                subject = $item.Subject; issuer = $item.Issuer; thumbprint = $item.Thumbprint
                not_before = $item.NotBefore.ToUniversalTime().ToString('o'); not_after = $item.NotAfter.ToUniversalTime().ToString('o')
            })
        }
        return $true
    }.GetNewClosure()
    $callback = [System.Net.Security.RemoteCertificateValidationCallback]$accept
    $tls = New-Object System.Net.Security.SslStream -ArgumentList $Stream, $true, $callback
    try {
        [void]$tls.AuthenticateAsClient($ServerName, $null, $Protocols, $false)
        $State['tls'] = [ordered]@{ protocol = [string]$tls.SslProtocol; policy_errors = $captured['errors']; chain = $captured['chain'].ToArray() }
    } catch {
        $State['error'] = $_.Exception
    } finally { $tls.Dispose() }
}

# The runspaces TLS handshakes run in, opened once per operation that has an https target. PowerShell runs a
# script block only on a thread that has a runspace: SslStream's own asynchronous handshake
# (BeginAuthenticateAsClient) would call the certificate callback on an I/O thread that has none, and the
# synchronous one cannot be waited for with a bound. A worker that overran its bound keeps its runspace
# busy until its closed socket or chain building ends; the pool gives the next handshake another one.
function Open-TlsWorkers() {
    $pool = [runspacefactory]::CreateRunspacePool(1, 4)
    [void]$pool.Open()
    return $pool
}

# TLS handshake on $Stream within $LeftMs, chain building included: the worker's handshake is waited for
# at most that long, then abandoned (the caller closes the socket under it). $null: it did not finish.
function Invoke-TlsHandshake($Workers, $Stream, [string]$ServerName, [int]$LeftMs) {
    $state = @{ tls = $null; error = $null }
    $worker = [powershell]::Create()
    $worker.RunspacePool = $Workers
    [void]$worker.AddScript($TlsHandshakeWorker.ToString()).AddArgument($Stream).AddArgument($ServerName).AddArgument((Get-ProbeProtocols)).AddArgument($state)
    $pending = $worker.BeginInvoke()
    if (-not $pending.AsyncWaitHandle.WaitOne($LeftMs)) {
        # Not waited for and not disposed (both would wait for the handshake): asked to stop, left behind.
        [void]$worker.BeginStop($null, $null)
        return $null
    }
    try { [void]$worker.EndInvoke($pending) } finally { $worker.Dispose() }
    if ($null -ne $state['error']) { throw $state['error'] }
    return $state['tls']
}

function Get-Authority($Target) {
    $default = 443
    if ($Target.scheme -ceq 'http') { $default = 80 }
    if ($Target.port -eq $default) { return $Target.host }
    return "$($Target.host):$($Target.port)"
}

# A socket of the target's address family: an IPv6 literal needs an IPv6 socket (TcpClient() is IPv4
# only on .NET Framework); a host name gets a dual-mode socket where the OS has IPv6, so its IPv4 and
# IPv6 addresses both work.
function New-ProbeClient([string]$HostName) {
    $address = $null
    if ([System.Net.IPAddress]::TryParse($HostName, [ref]$address)) { return New-Object System.Net.Sockets.TcpClient -ArgumentList $address.AddressFamily }
    if (-not [System.Net.Sockets.Socket]::OSSupportsIPv6) { return New-Object System.Net.Sockets.TcpClient }
    $client = New-Object System.Net.Sockets.TcpClient -ArgumentList ([System.Net.Sockets.AddressFamily]::InterNetworkV6)
    $client.Client.DualMode = $true
    return $client
}

# The connection's wait: what is left of timeout_ms since it started connecting ($BudgetMs, timed by $Clock)
# and of the whole operation's (deadline_ms, timed by $Overall), the smaller, at least 1 ms.
function Get-ProbeBudget($Clock, [int]$BudgetMs, $Overall, [int]$DeadlineMs) {
    $left = $BudgetMs - [int]$Clock.ElapsedMilliseconds
    $overallLeft = $DeadlineMs - [int]$Overall.ElapsedMilliseconds
    if ($overallLeft -lt $left) { $left = $overallLeft }
    return [Math]::Max(1, $left)
}

# What is left until $Until (ms on the operation's stopwatch $Overall), at least 1 ms.
function Get-ProbeLeft($Overall, [long]$Until) { return [int][Math]::Max(1, $Until - $Overall.ElapsedMilliseconds) }

# The budget left bounds every socket read and write from now on.
function Set-ProbeDeadline($Client, [int]$LeftMs) {
    $Client.ReceiveTimeout = $LeftMs
    $Client.SendTimeout = $LeftMs
}

# TLS 1.2, and 1.3 where Windows has it enabled by default (Windows 11 / Server 2022, build 20348 and
# later, with a .NET Framework that knows Tls13); never a process-wide setting.
function Get-ProbeProtocols() {
    $protocols = [System.Security.Authentication.SslProtocols]::Tls12
    if ([Environment]::OSVersion.Version.Build -ge 20348) {
        try { $protocols = [System.Security.Authentication.SslProtocols]'Tls12, Tls13' } catch { $protocols = [System.Security.Authentication.SslProtocols]::Tls12 }
    }
    return $protocols
}

# The error and its inner exceptions' reasons ('A call to SSPI failed, see inner exception.: The
# message received was unexpected or badly formatted'), each once.
function Get-ProbeError($ErrorRecord) {
    $messages = New-Object System.Collections.ArrayList
    $exception = $ErrorRecord.Exception
    while ($null -ne $exception) {
        if ($exception -isnot [System.Management.Automation.MethodInvocationException] -and -not $messages.Contains($exception.Message)) { [void]$messages.Add($exception.Message) }
        $exception = $exception.InnerException
    }
    if ($messages.Count -eq 0) { return Get-ErrorMessage $ErrorRecord }
    return $messages -join ': '
}

# The agent's own message for a probe the operation's deadline_ms stopped.
function Get-DeadlineMessage([int]$DeadlineMs) { return "the endpoint check's total time bound of $DeadlineMs ms ran out" }

# Whether an error is a socket read or write that ran out of time (SocketException 10060, WSAETIMEDOUT,
# as it is or inside .NET's IOException).
function Test-SocketTimeout($ErrorRecord) {
    $exception = $ErrorRecord.Exception
    while ($null -ne $exception) {
        if ($exception -is [System.Net.Sockets.SocketException] -and $exception.NativeErrorCode -eq 10060) { return $true }
        $exception = $exception.InnerException
    }
    return $false
}

# The agent's message for a phase after the connection that ran out of time: which phase, how long it took
# ($SpentMs since it began) and which bound stopped it; the operation's deadline_ms first, as every probe
# it stopped says.
function Get-TimeoutMessage([string]$Stage, $Probe, [long]$SpentMs, [int]$TimeoutMs, [bool]$ByDeadline, [int]$DeadlineMs) {
    $target = "$($Probe.target.host):$($Probe.target.port)"
    $phase = "the HTTP request to $target"
    if ($Stage -ceq 'proxy') { $phase = "the proxy CONNECT to $($Probe.proxy) for $target" }
    if ($Stage -ceq 'tls') { $phase = "the TLS handshake with $target" }
    if ($ByDeadline) { return "$(Get-DeadlineMessage $DeadlineMs): $phase timed out after $SpentMs ms" }
    return "$phase timed out after $SpentMs ms; the probe's time bound of $TimeoutMs ms ran out"
}

# One target over one way out ($Proxy $null: direct), first half: the connection is started, not waited
# for, so every probe of the operation connects at the same time (a network that silently drops a way out
# costs timeout_ms once, not once per probe). Failures are results, not errors: 'stage' says how far it
# got (connect, proxy, tls, http, done) and 'error' why it stopped.
function Start-Probe($Target, [int]$TargetIndex, $Proxy) {
    $via = 'direct'
    if ($null -ne $Proxy) { $via = $Proxy }
    $result = [ordered]@{ target = $TargetIndex; via = $via; ok = $false; stage = 'connect'; error = $null
        proxy_status = $null; http_status = $null; tls = $null
        timings = [ordered]@{ connect_ms = $null; proxy_ms = $null; tls_ms = $null; http_ms = $null; total_ms = $null } }
    $peer = @{ host = $Target.host; port = $Target.port }
    if ($null -ne $Proxy) { $peer = Split-HostPort $Proxy }
    $probe = @{ result = $result; target = $Target; proxy = $Proxy; peer = $peer; client = $null; pending = $null
        clock = [System.Diagnostics.Stopwatch]::StartNew() }
    try {
        $probe['client'] = New-ProbeClient ($peer.host.Trim('[', ']'))
        $probe['pending'] = $probe['client'].BeginConnect($peer.host.Trim('[', ']'), $peer.port, $null, $null)
    } catch { $result['error'] = Get-ProbeError $_ }
    return $probe
}

# Second half, one probe at a time. One deadline, computed when its turn comes ($until: timeout_ms from
# now, or the operation's deadline_ms if that comes first), bounds the whole probe: the wait for the
# connection (which also gets at most timeout_ms since every probe started connecting), the CONNECT
# exchange, the TLS handshake with its chain building, and the GET, each with what is left of it. Waiting
# for the probes before it costs it nothing. A phase that runs out of time says which phase, how long it
# took and which bound stopped it.
function Complete-Probe($Probe, [int]$TimeoutMs, $Overall, [int]$DeadlineMs, $Workers) {
    $result = $Probe.result
    $client = $Probe.client
    $Target = $Probe.target
    $Proxy = $Probe.proxy
    $clock = $Probe.clock
    $connectMs = 0
    $until = [Math]::Min([long]$Overall.ElapsedMilliseconds + $TimeoutMs, [long]$DeadlineMs)
    $phase = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        if ($null -ne $result['error']) { return $result }
        $left = [Math]::Min((Get-ProbeBudget $clock $TimeoutMs $Overall $DeadlineMs), (Get-ProbeLeft $Overall $until))
        if (-not $Probe.pending.AsyncWaitHandle.WaitOne($left)) {
            $peer = "$($Probe.peer.host):$($Probe.peer.port)"
            if ($Overall.ElapsedMilliseconds -ge $DeadlineMs) { throw "$(Get-DeadlineMessage $DeadlineMs): connecting to $peer timed out after $($clock.ElapsedMilliseconds) ms" }
            throw "connecting to $($Probe.peer.host):$($Probe.peer.port) timed out after $TimeoutMs ms"
        }
        [void]$client.EndConnect($Probe.pending)
        $connectMs = [int]$clock.ElapsedMilliseconds
        $result['timings']['connect_ms'] = $connectMs
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $stream = $client.GetStream()
        $authority = Get-Authority $Target
        if ($Target.scheme -ceq 'https') {
            if ($null -ne $Proxy) {
                $result['stage'] = 'proxy'
                $phase = [System.Diagnostics.Stopwatch]::StartNew()
                Set-ProbeDeadline $client (Get-ProbeLeft $Overall $until)
                $tunnel = "$($Target.host):$($Target.port)"
                Send-Ascii $stream "CONNECT $tunnel HTTP/1.1`r`nHost: $tunnel`r`nUser-Agent: proxyfleet-probe`r`n`r`n"
                $status = Get-HttpStatus (Read-HttpHead $stream $client $Overall $until)
                $result['proxy_status'] = $status
                $result['timings']['proxy_ms'] = $connectMs + $clock.ElapsedMilliseconds
                if ($status -ne 200) { throw "the proxy answered CONNECT with HTTP $status" }
            }
            $result['stage'] = 'tls'
            $phase = [System.Diagnostics.Stopwatch]::StartNew()
            Set-ProbeDeadline $client (Get-ProbeLeft $Overall $until)
            $tls = Invoke-TlsHandshake $Workers $stream ($Target.host.Trim('[', ']')) (Get-ProbeLeft $Overall $until)
            if ($null -eq $tls) {
                # Closing the socket abandons the handshake: the worker's reads fail and it ends.
                $client.Close()
                throw (Get-TimeoutMessage 'tls' $Probe $phase.ElapsedMilliseconds $TimeoutMs ($until -ge $DeadlineMs) $DeadlineMs)
            }
            $result['tls'] = $tls
            $result['timings']['tls_ms'] = $connectMs + $clock.ElapsedMilliseconds
        } else {
            $result['stage'] = 'http'
            $phase = [System.Diagnostics.Stopwatch]::StartNew()
            Set-ProbeDeadline $client (Get-ProbeLeft $Overall $until)
            $requestTarget = $Target.path
            if ($null -ne $Proxy) { $requestTarget = "http://$authority$($Target.path)" }
            Send-Ascii $stream "GET $requestTarget HTTP/1.1`r`nHost: $authority`r`nUser-Agent: proxyfleet-probe`r`nConnection: close`r`n`r`n"
            $result['http_status'] = Get-HttpStatus (Read-HttpHead $stream $client $Overall $until)
            $result['timings']['http_ms'] = $connectMs + $clock.ElapsedMilliseconds
        }
        $result['stage'] = 'done'
        $result['ok'] = $true
    } catch {
        $message = Get-ProbeError $_
        # A socket read or write of a later phase that ran out of time: the phase, its time, the bound.
        if ($result['stage'] -cne 'connect' -and (Test-SocketTimeout $_)) {
            $message = Get-TimeoutMessage $result['stage'] $Probe $phase.ElapsedMilliseconds $TimeoutMs ($until -ge $DeadlineMs) $DeadlineMs
        }
        $result['error'] = $message
    } finally {
        if ($null -ne $client) { $client.Close() }
        $result['timings']['total_ms'] = $connectMs + $clock.ElapsedMilliseconds
    }
    return $result
}

function Invoke-TlsProbe($Operation) {
    $timeout = Get-Field $Operation 'timeout_ms'
    if (-not (Test-JsonInteger $timeout) -or $timeout -lt 100 -or $timeout -gt 120000) { throw "'timeout_ms' must be an integer 100..120000" }
    $deadline = Get-Field $Operation 'deadline_ms'
    if (-not (Test-JsonInteger $deadline) -or $deadline -lt 100 -or $deadline -gt 600000) { throw "'deadline_ms' must be an integer 100..600000" }
    $routeList = Get-List $Operation 'routes'
    $targetList = Get-List $Operation 'targets'
    # Everything is validated before the first connection.
    $targets = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $targetList.Count; $i++) { [void]$targets.Add((Get-ProbeTarget $targetList[$i] $i $routeList.Count)) }
    $routes = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $routeList.Count; $i++) { [void]$routes.Add((Resolve-ProbeRoute $routeList[$i] $i)) }
    # Opened before the clock starts: a runspace's start is not any probe's time.
    $workers = $null
    foreach ($target in $targets) { if ($null -eq $workers -and $target.scheme -ceq 'https') { $workers = Open-TlsWorkers } }
    $overall = [System.Diagnostics.Stopwatch]::StartNew()
    $started = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $targets.Count; $i++) {
        # Routes that resolve to the same way out share one probe.
        $seen = @{}
        foreach ($index in $targets[$i].routes) {
            $route = $routes[$index]
            if ($route['type'] -ceq 'proxy' -and $null -eq $route['proxy']) { continue }
            $way = 'direct'
            if ($null -ne $route['proxy']) { $way = $route['proxy'] }
            if ($seen.ContainsKey($way)) { continue }
            $seen[$way] = $true
            [void]$started.Add((Start-Probe $targets[$i] $i $route['proxy']))
        }
    }
    $probes = New-Object System.Collections.ArrayList
    try {
        foreach ($probe in $started) { [void]$probes.Add((Complete-Probe $probe $timeout $overall $deadline $workers)) }
    } finally {
        # Closed without waiting: an abandoned handshake may still hold a runspace.
        if ($null -ne $workers) { [void]$workers.BeginClose($null, $null) }
    }
    return [ordered]@{ op = 'tls_probe'; status = 'ok'; routes = $routes.ToArray(); probes = $probes.ToArray()
        elapsed_ms = [int]$overall.ElapsedMilliseconds }
}
