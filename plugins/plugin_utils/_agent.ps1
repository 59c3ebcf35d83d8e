param($Request)
# proxyfleet.windows host agent, protocol 1 (docs/dev/agent-protocol.md).
# Generic registry primitives driven by the JSON request; it knows nothing about proxies.
# Windows PowerShell 5.1 compatible: no Add-Type, no here-strings, only .NET registry APIs.
# Request data is only ever handled as data: nothing from the request is evaluated as script.
$ErrorActionPreference = 'Stop'
$AgentVersion = '0.1.0'
$ProtocolVersion = 1
$BackupRoot = 'SOFTWARE\proxyfleet\Backups'

function Get-Field($Object, [string]$Name) {
    if ($null -eq $Object) { return $null }
    $property = $Object.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    return $property.Value
}

# Always an array, also for a missing or single-element field (PowerShell unrolls both otherwise).
function Get-List($Object, [string]$Name) {
    $value = Get-Field $Object $Name
    if ($null -eq $value) { return , @() }
    return , @($value)
}

function Get-Hive([string]$Name) {
    switch -CaseSensitive ($Name) {
        'HKLM' { return [Microsoft.Win32.RegistryHive]::LocalMachine }
        'HKCU' { return [Microsoft.Win32.RegistryHive]::CurrentUser }
        'HKU' { return [Microsoft.Win32.RegistryHive]::Users }
        'HKCR' { return [Microsoft.Win32.RegistryHive]::ClassesRoot }
    }
    throw "unknown hive '$Name' (accepted: HKLM, HKCU, HKU, HKCR)"
}

function Get-View($View) {
    if ("$View" -eq '64') { return [Microsoft.Win32.RegistryView]::Registry64 }
    if ("$View" -eq '32') { return [Microsoft.Win32.RegistryView]::Registry32 }
    throw "unknown registry view '$View' (accepted: 64, 32)"
}

function Get-KeyPath($Address) {
    $path = [string](Get-Field $Address 'path')
    if ($path -eq '' -or $path.StartsWith('\') -or $path.EndsWith('\')) {
        throw "invalid key path '$path' (a path below the hive, no leading or trailing backslash)"
    }
    return $path
}

function Open-Base($Address) {
    return [Microsoft.Win32.RegistryKey]::OpenBaseKey((Get-Hive (Get-Field $Address 'hive')), (Get-View (Get-Field $Address 'view')))
}

function Open-Key($Address, [bool]$Writable) {
    $base = Open-Base $Address
    try { return $base.OpenSubKey((Get-KeyPath $Address), $Writable) } finally { $base.Dispose() }
}

function Get-Unsigned32([int32]$Value) { return [BitConverter]::ToUInt32([BitConverter]::GetBytes($Value), 0) }
function Get-Unsigned64([int64]$Value) { return [BitConverter]::ToUInt64([BitConverter]::GetBytes($Value), 0) }

# The state of one value as the protocol describes it, plus the raw .NET value and kind so a
# rollback can put back exactly what was there.
function Read-Value($Key, [string]$Name) {
    if ($null -eq $Key -or -not ($Key.GetValueNames() -contains $Name)) {
        return @{ exists = $false; raw = $null; kind = $null }
    }
    $kind = $Key.GetValueKind($Name)
    $raw = $Key.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    switch ($kind.ToString()) {
        'String' { $type = 'string'; $data = [string]$raw }
        'ExpandString' { $type = 'expandstring'; $data = [string]$raw }
        'MultiString' { $type = 'multistring'; $data = [string[]]@($raw) }
        'DWord' { $type = 'dword'; $data = Get-Unsigned32 $raw }
        'QWord' { $type = 'qword'; $data = Get-Unsigned64 $raw }
        'Binary' { $type = 'binary'; $data = [Convert]::ToBase64String([byte[]]$raw) }
        default {
            $type = 'none'
            if ($null -eq $raw) { $raw = [byte[]]@() }
            $data = [Convert]::ToBase64String([byte[]]$raw)
        }
    }
    return @{ exists = $true; type = $type; data = $data; raw = $raw; kind = $kind }
}

function Get-PublicState($State) {
    if (-not $State.exists) { return @{ exists = $false } }
    return @{ exists = $true; type = $State.type; data = $State.data }
}

function ConvertTo-RegistryData([string]$Type, $Data) {
    switch -CaseSensitive ($Type) {
        'string' { return @{ kind = [Microsoft.Win32.RegistryValueKind]::String; raw = [string]$Data } }
        'expandstring' { return @{ kind = [Microsoft.Win32.RegistryValueKind]::ExpandString; raw = [string]$Data } }
        'multistring' { return @{ kind = [Microsoft.Win32.RegistryValueKind]::MultiString; raw = [string[]]@($Data | Where-Object { $null -ne $_ }) } }
        'dword' {
            $number = [decimal]$Data
            if ($number -lt 0 -or $number -gt 4294967295 -or $number -ne [decimal]::Truncate($number)) { throw "dword data out of range: $Data" }
            return @{ kind = [Microsoft.Win32.RegistryValueKind]::DWord; raw = [BitConverter]::ToInt32([BitConverter]::GetBytes([uint32]$number), 0) }
        }
        'qword' {
            $number = [decimal]$Data
            if ($number -lt 0 -or $number -gt 18446744073709551615 -or $number -ne [decimal]::Truncate($number)) { throw "qword data out of range: $Data" }
            return @{ kind = [Microsoft.Win32.RegistryValueKind]::QWord; raw = [BitConverter]::ToInt64([BitConverter]::GetBytes([uint64]$number), 0) }
        }
        'binary' { return @{ kind = [Microsoft.Win32.RegistryValueKind]::Binary; raw = [Convert]::FromBase64String([string]$Data) } }
        'none' { return @{ kind = [Microsoft.Win32.RegistryValueKind]::None; raw = [Convert]::FromBase64String([string]$Data) } }
    }
    throw "unknown value type '$Type' (accepted: string, expandstring, multistring, dword, qword, binary, none)"
}

function Test-SameData([string]$Type, $Left, $Right) {
    if ($Type -eq 'multistring') {
        $a = [string[]]@($Left); $b = [string[]]@($Right)
        if ($a.Count -ne $b.Count) { return $false }
        for ($i = 0; $i -lt $a.Count; $i++) { if ($a[$i] -cne $b[$i]) { return $false } }
        return $true
    }
    if ($Type -eq 'dword' -or $Type -eq 'qword') { return ([decimal]$Left) -eq ([decimal]$Right) }
    if ($Type -eq 'binary' -or $Type -eq 'none') {
        return [Convert]::ToBase64String([Convert]::FromBase64String([string]$Left)) -ceq [string]$Right
    }
    return ([string]$Left) -ceq ([string]$Right)
}

function Test-Expectation($State, $Expect) {
    $expectExists = [bool](Get-Field $Expect 'exists')
    if ($expectExists -ne $State.exists) { return $false }
    if (-not $expectExists -or $null -eq $State.type) { return $true }
    if ([string](Get-Field $Expect 'type') -cne $State.type) { return $false }
    return Test-SameData $State.type (Get-Field $Expect 'data') $State.data
}

function Invoke-Read($Operation) {
    $keys = New-Object System.Collections.ArrayList
    foreach ($address in (Get-List $Operation 'keys')) {
        $key = Open-Key $address $false
        $entry = [ordered]@{ hive = (Get-Field $address 'hive'); path = (Get-KeyPath $address); view = [int](Get-Field $address 'view') }
        if ($null -eq $key) {
            $entry.exists = $false; $entry.values = @(); $entry.subkeys = @()
        } else {
            try {
                $values = New-Object System.Collections.ArrayList
                foreach ($name in $key.GetValueNames()) {
                    $state = Read-Value $key $name
                    [void]$values.Add([ordered]@{ name = $name; type = $state.type; data = $state.data })
                }
                $entry.exists = $true; $entry.values = $values.ToArray(); $entry.subkeys = [string[]]@($key.GetSubKeyNames())
            } finally { $key.Dispose() }
        }
        [void]$keys.Add($entry)
    }
    return [ordered]@{ op = 'read'; status = 'ok'; keys = $keys.ToArray() }
}

# The current state a change's precondition is checked against: a value, or for create_key the key.
function Read-Target($Change) {
    $key = Open-Key $Change $false
    try {
        if ((Get-Field $Change 'action') -eq 'create_key') { return @{ exists = ($null -ne $key); type = $null } }
        return Read-Value $key ([string](Get-Field $Change 'name'))
    } finally { if ($null -ne $key) { $key.Dispose() } }
}

# The first key on the change's path that does not exist yet: what a rollback must remove.
function Find-FirstMissingKey($Change) {
    $base = Open-Base $Change
    try {
        $parts = (Get-KeyPath $Change).Split('\')
        for ($i = 1; $i -le $parts.Count; $i++) {
            $prefix = [string]::Join('\', $parts[0..($i - 1)])
            $key = $base.OpenSubKey($prefix, $false)
            if ($null -eq $key) { return $prefix }
            $key.Dispose()
        }
        return $null
    } finally { $base.Dispose() }
}

function Write-Backup([string]$Id, [int]$Keep, $Changes, $Snapshots) {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
    try {
        $backup = $base.CreateSubKey("$BackupRoot\$Id")
        try {
            $backup.SetValue('Created', [DateTime]::UtcNow.ToString('o'), [Microsoft.Win32.RegistryValueKind]::String)
            $backup.SetValue('AgentVersion', $AgentVersion, [Microsoft.Win32.RegistryValueKind]::String)
            $backup.SetValue('Count', [int]$Changes.Count, [Microsoft.Win32.RegistryValueKind]::DWord)
            for ($i = 0; $i -lt $Changes.Count; $i++) {
                $change = $Changes[$i]; $snapshot = $Snapshots[$i]
                $item = $backup.CreateSubKey([string]$i)
                try {
                    $item.SetValue('Hive', [string](Get-Field $change 'hive'), [Microsoft.Win32.RegistryValueKind]::String)
                    $item.SetValue('Path', (Get-KeyPath $change), [Microsoft.Win32.RegistryValueKind]::String)
                    $item.SetValue('Name', [string](Get-Field $change 'name'), [Microsoft.Win32.RegistryValueKind]::String)
                    $item.SetValue('Action', [string](Get-Field $change 'action'), [Microsoft.Win32.RegistryValueKind]::String)
                    $item.SetValue('View', [int](Get-Field $change 'view'), [Microsoft.Win32.RegistryValueKind]::DWord)
                    $item.SetValue('KeyExisted', [int]($null -eq $snapshot.firstMissingKey), [Microsoft.Win32.RegistryValueKind]::DWord)
                    $item.SetValue('ValueExisted', [int]([bool]$snapshot.state.exists -and $null -ne $snapshot.state.kind), [Microsoft.Win32.RegistryValueKind]::DWord)
                    if ($snapshot.state.exists -and $null -ne $snapshot.state.kind) { $item.SetValue('Data', $snapshot.state.raw, $snapshot.state.kind) }
                } finally { $item.Dispose() }
            }
        } finally { $backup.Dispose() }
        Remove-OldBackups $base $Keep
    } catch {
        $message = $_.Exception.Message
        try { $base.DeleteSubKeyTree("$BackupRoot\$Id", $false) } catch { $message = "$message; removing the partial backup failed: $($_.Exception.Message)" }
        throw $message
    } finally { $base.Dispose() }
}

function Remove-OldBackups($Base, [int]$Keep) {
    $root = $Base.OpenSubKey($BackupRoot, $true)
    if ($null -eq $root) { return }
    try {
        $names = [string[]]$root.GetSubKeyNames()
        [Array]::Sort($names, [StringComparer]::Ordinal)
        for ($i = 0; $i -lt ($names.Count - $Keep); $i++) { $root.DeleteSubKeyTree($names[$i], $false) }
    } finally { $root.Dispose() }
}

function Invoke-Change($Change) {
    $action = [string](Get-Field $Change 'action')
    $base = Open-Base $Change
    try {
        if ($action -eq 'create_key') { $base.CreateSubKey((Get-KeyPath $Change)).Dispose(); return }
        $name = [string](Get-Field $Change 'name')
        if ($action -eq 'set_value') {
            $data = ConvertTo-RegistryData ([string](Get-Field $Change 'type')) (Get-Field $Change 'data')
            $key = $base.CreateSubKey((Get-KeyPath $Change))
            try { $key.SetValue($name, $data.raw, $data.kind) } finally { $key.Dispose() }
            return
        }
        $key = $base.OpenSubKey((Get-KeyPath $Change), $true)
        if ($null -ne $key) { try { $key.DeleteValue($name, $false) } finally { $key.Dispose() } }
    } finally { $base.Dispose() }
}

function Undo-Changes($Changes, $Snapshots, [int]$Count) {
    for ($i = $Count - 1; $i -ge 0; $i--) {
        $change = $Changes[$i]; $state = $Snapshots[$i].state
        if ((Get-Field $change 'action') -eq 'create_key') { continue }
        $base = Open-Base $change
        try {
            $name = [string](Get-Field $change 'name')
            if ($state.exists) {
                $key = $base.CreateSubKey((Get-KeyPath $change))
                try { $key.SetValue($name, $state.raw, $state.kind) } finally { $key.Dispose() }
            } else {
                $key = $base.OpenSubKey((Get-KeyPath $change), $true)
                if ($null -ne $key) { try { $key.DeleteValue($name, $false) } finally { $key.Dispose() } }
            }
        } finally { $base.Dispose() }
    }
    for ($i = $Count - 1; $i -ge 0; $i--) {
        $missing = $Snapshots[$i].firstMissingKey
        if ($null -eq $missing) { continue }
        $base = Open-Base $Changes[$i]
        try { $base.DeleteSubKeyTree($missing, $false) } finally { $base.Dispose() }
    }
}

function Read-After($Change) {
    $entry = [ordered]@{ hive = (Get-Field $Change 'hive'); path = (Get-KeyPath $Change); view = [int](Get-Field $Change 'view') }
    $state = Read-Target $Change
    if ((Get-Field $Change 'action') -ne 'create_key') { $entry.name = [string](Get-Field $Change 'name') }
    $entry.exists = [bool]$state.exists
    if ($state.exists -and $null -ne $state.type) { $entry.type = $state.type; $entry.data = $state.data }
    return $entry
}

function Invoke-Apply($Operation) {
    $changes = Get-List $Operation 'changes'
    if ($changes.Count -eq 0) { return [ordered]@{ op = 'apply'; status = 'applied'; backup_id = $null; after = @() } }
    $backupSpec = Get-Field $Operation 'backup'
    $backupId = [string](Get-Field $backupSpec 'id')
    if ($backupId -notmatch '^[0-9A-Za-z._-]{1,64}$') { throw "invalid backup id '$backupId'" }
    $keep = [int](Get-Field $backupSpec 'keep')
    if ($keep -lt 1) { $keep = 20 }

    $snapshots = New-Object System.Collections.ArrayList
    $failed = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $changes.Count; $i++) {
        $change = $changes[$i]
        if (@('set_value', 'delete_value', 'create_key') -cnotcontains [string](Get-Field $change 'action')) {
            throw "unknown change action '$(Get-Field $change 'action')' (accepted: set_value, delete_value, create_key)"
        }
        if ((Get-Field $change 'action') -eq 'set_value') { [void](ConvertTo-RegistryData ([string](Get-Field $change 'type')) (Get-Field $change 'data')) }
        $state = Read-Target $change
        [void]$snapshots.Add(@{ state = $state; firstMissingKey = (Find-FirstMissingKey $change) })
        if (-not (Test-Expectation $state (Get-Field $change 'expect'))) {
            [void]$failed.Add([ordered]@{ index = $i; current = (Get-PublicState $state) })
        }
    }
    if ($failed.Count -gt 0) { return [ordered]@{ op = 'apply'; status = 'precondition_failed'; failed = $failed.ToArray() } }

    try { Write-Backup $backupId $keep $changes $snapshots } catch {
        return [ordered]@{ op = 'apply'; status = 'failed'; stage = 'backup'; backup_id = $null; error = $_.Exception.Message }
    }

    $done = 0
    try {
        foreach ($change in $changes) { Invoke-Change $change; $done++ }
    } catch {
        $result = [ordered]@{ op = 'apply'; status = 'failed'; stage = 'write'; backup_id = $backupId; failed_index = $done; error = $_.Exception.Message }
        try { Undo-Changes $changes $snapshots ($done + 1); $result.rollback = @{ ok = $true } }
        catch { $result.rollback = [ordered]@{ ok = $false; error = $_.Exception.Message } }
        return $result
    }
    $after = New-Object System.Collections.ArrayList
    foreach ($change in $changes) { [void]$after.Add((Read-After $change)) }
    return [ordered]@{ op = 'apply'; status = 'applied'; backup_id = $backupId; after = $after.ToArray() }
}

function Invoke-Operation($Operation) {
    $name = [string](Get-Field $Operation 'op')
    try {
        switch -CaseSensitive ($name) {
            'read' { return Invoke-Read $Operation }
            'apply' { return Invoke-Apply $Operation }
        }
        return [ordered]@{ op = $name; status = 'error'; error = "unknown operation '$name' (accepted: read, apply)" }
    } catch {
        return [ordered]@{ op = $name; status = 'error'; error = $_.Exception.Message }
    }
}

function Write-Response($Response) {
    $json = ConvertTo-Json -InputObject $Response -Depth 32 -Compress
    # Keep stdout pure ASCII whatever the console code page is.
    $json = [regex]::Replace($json, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
    [Console]::Out.Write($json)
}

$response = [ordered]@{ protocol = $ProtocolVersion; agent_version = $AgentVersion; ok = $true; results = @() }
try {
    if ([string](Get-Field $Request 'protocol') -ne [string]$ProtocolVersion) {
        throw "unsupported protocol version '$(Get-Field $Request 'protocol')' (this agent speaks $ProtocolVersion)"
    }
    $results = New-Object System.Collections.ArrayList
    foreach ($operation in (Get-List $Request 'operations')) { [void]$results.Add((Invoke-Operation $operation)) }
    $response.results = $results.ToArray()
} catch {
    $response.ok = $false
    $response.error = $_.Exception.Message
    $response.results = @()
}
Write-Response $response
