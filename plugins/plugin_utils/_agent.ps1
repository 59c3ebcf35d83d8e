param($Request)
# proxyfleet.windows host agent, protocol 1 (docs/dev/agent-protocol.md).
# Generic registry, read-only WMI and network-probe primitives driven by the JSON request; it knows
# nothing about proxies beyond reaching a URL through one.
# Windows PowerShell 5.1 compatible: no compiled C#, no here-strings; only .NET registry APIs and Get-CimInstance.
# Request data is only ever handled as data: nothing from the request is evaluated as script, and no
# query text is built from it (WMI names are validated, passed as parameters, filtered in PowerShell).
# Nothing may reach the success stream but the one response: every .NET call that returns a
# value is assigned or cast to [void].
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$AgentVersion = '0.1.0'
$ProtocolVersion = 1
$BackupRoot = 'SOFTWARE\proxyfleet\Backups'
$WmiTimeoutSec = 30
# \z, not $: $ also matches before a final newline.
$WmiNamePattern = '^[A-Za-z0-9_]+\z'
$WmiNamespacePattern = '^[A-Za-z0-9_]+(\\[A-Za-z0-9_]+)*\z'

# A property of a ConvertFrom-Json object, exactly as parsed: the leading comma stops PowerShell from
# unrolling an array on return (an empty list would become $null, a one-element list its element).
function Get-Field($Object, [string]$Name) {
    if ($null -eq $Object) { return $null }
    $property = $Object.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    return , $property.Value
}

function Get-List($Object, [string]$Name) {
    $value = Get-Field $Object $Name
    if ($value -isnot [array]) { throw "'$Name' must be a list" }
    return , $value
}

# .NET exceptions arrive wrapped ('Exception calling "SetValue" with "3" argument(s): ...'): report
# the .NET message itself, as the twin does.
function Get-ErrorMessage($ErrorRecord) {
    $exception = $ErrorRecord.Exception
    while ($exception -is [System.Management.Automation.MethodInvocationException] -and $null -ne $exception.InnerException) {
        $exception = $exception.InnerException
    }
    return $exception.Message
}

function Get-Hive($Name) {
    switch ([string]$Name) {
        'HKLM' { return [Microsoft.Win32.RegistryHive]::LocalMachine }
        'HKCU' { return [Microsoft.Win32.RegistryHive]::CurrentUser }
        'HKU' { return [Microsoft.Win32.RegistryHive]::Users }
        'HKCR' { return [Microsoft.Win32.RegistryHive]::ClassesRoot }
    }
    throw "unsupported hive '$Name' (expected HKLM, HKCU, HKU or HKCR)"
}

# ConvertFrom-Json gives Int32 for 64 and Decimal for 64.0; "64" is a string. Only the integer counts.
function Get-View($View) {
    if ($View -is [int] -and $View -eq 64) { return [Microsoft.Win32.RegistryView]::Registry64 }
    if ($View -is [int] -and $View -eq 32) { return [Microsoft.Win32.RegistryView]::Registry32 }
    throw "unknown registry view '$View' (expected 64 or 32)"
}

# "" (the hive itself) only for reads.
function Get-KeyPath($Address, [bool]$AllowRoot = $false) {
    $path = Get-Field $Address 'path'
    if ($path -isnot [string]) { throw "key path must be a string" }
    if ($path -eq '' -and $AllowRoot) { return $path }
    if ($path.Split('\') -contains '') {
        throw "malformed key path '$path' (empty name, or a leading/trailing/double backslash)"
    }
    return $path
}

function Open-Base($Address) {
    return [Microsoft.Win32.RegistryKey]::OpenBaseKey((Get-Hive (Get-Field $Address 'hive')), (Get-View (Get-Field $Address 'view')))
}

function Open-Key($Address, [bool]$AllowRoot = $false) {
    $base = Open-Base $Address
    try { return $base.OpenSubKey((Get-KeyPath $Address $AllowRoot), $false) } finally { $base.Dispose() }
}

# GetValue returns REG_DWORD/REG_QWORD as signed Int32/Int64; the protocol wants them unsigned.
function Get-Unsigned32([int32]$Value) { return [BitConverter]::ToUInt32([BitConverter]::GetBytes($Value), 0) }
function Get-Unsigned64([int64]$Value) { return [BitConverter]::ToUInt64([BitConverter]::GetBytes($Value), 0) }

# The state of one value as the protocol describes it, plus what a rollback needs to put back exactly
# what was there: the stored name (its case), the raw .NET value and kind, and whether they are exact.
function Read-Value($Key, [string]$Name) {
    $stored = $null
    if ($null -ne $Key) { foreach ($candidate in $Key.GetValueNames()) { if ($candidate -eq $Name) { $stored = $candidate } } }
    if ($null -eq $stored) { return @{ exists = $false } }
    $kind = $Key.GetValueKind($stored)
    $raw = $Key.GetValue($stored, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    $type = 'none'
    switch ([string]$kind) {
        'String' { $type = 'string'; $data = [string]$raw }
        'ExpandString' { $type = 'expandstring'; $data = [string]$raw }
        'MultiString' { $type = 'multistring'; $data = [string[]]@($raw) }
        'DWord' { if ($raw -is [int]) { $type = 'dword'; $data = Get-Unsigned32 $raw } }
        'QWord' { if ($raw -is [long]) { $type = 'qword'; $data = Get-Unsigned64 $raw } }
        'Binary' { $type = 'binary'; $data = [Convert]::ToBase64String([byte[]]$raw) }
    }
    # REG_NONE is bytes. Kinds .NET cannot read (REG_LINK, REG_RESOURCE_LIST, ...: $null; big-endian
    # dword: bytes) and odd-sized dword/qword data (a number of the other width, or bytes) are
    # reported as none with what .NET gives, and are never restored from that.
    $exact = $type -ne 'none' -or $kind -eq [Microsoft.Win32.RegistryValueKind]::None
    if ($type -eq 'none') {
        $bytes = [byte[]]@()
        if ($raw -is [byte[]]) { $bytes = $raw }
        if ($raw -is [int] -or $raw -is [long]) { $bytes = [BitConverter]::GetBytes($raw) }
        $data = [Convert]::ToBase64String($bytes)
    }
    return @{ exists = $true; name = $stored; type = $type; data = $data; raw = $raw; kind = $kind; exact = $exact }
}

function Get-PublicState($State) {
    if (-not $State.exists) { return [ordered]@{ exists = $false } }
    if ($null -eq $State.type) { return [ordered]@{ exists = $true } }
    return [ordered]@{ exists = $true; type = $State.type; data = $State.data }
}

# ConvertFrom-Json (5.1) gives Int32, then Int64, then Decimal (above Int64, e.g. a large qword) for
# integers, Decimal for 1.0 and Double only with an exponent. Strings and booleans are not numbers.
function ConvertTo-Integer($Data, [string]$Type, [decimal]$Max) {
    if (-not ($Data -is [int] -or $Data -is [long] -or $Data -is [decimal])) { throw "$Type data must be an integer 0..$Max, got '$Data'" }
    $number = [decimal]$Data
    if ($number -lt 0 -or $number -gt $Max -or $number -ne [decimal]::Truncate($number)) { throw "$Type data $Data is out of range 0..$Max" }
    return $number
}

# Protocol type and data -> .NET kind and value for SetValue, validating strictly (like the twin).
function ConvertTo-RegistryData($Type, $Data) {
    switch -CaseSensitive ([string]$Type) {
        { @('string', 'expandstring') -ccontains $_ } {
            if ($Data -isnot [string]) { throw "$Type data must be a string" }
            return @{ kind = [Microsoft.Win32.RegistryValueKind]$Type; raw = $Data }
        }
        'multistring' {
            if ($Data -isnot [array] -or @($Data | Where-Object { $_ -isnot [string] }).Count -gt 0) { throw 'multistring data must be a list of strings' }
            return @{ kind = [Microsoft.Win32.RegistryValueKind]::MultiString; raw = [string[]]$Data }
        }
        'dword' {
            # SetValue(DWord) takes an Int32: reinterpret the unsigned number's bytes.
            $number = ConvertTo-Integer $Data 'dword' ([decimal][uint32]::MaxValue)
            return @{ kind = [Microsoft.Win32.RegistryValueKind]::DWord; raw = [BitConverter]::ToInt32([BitConverter]::GetBytes([uint32]$number), 0) }
        }
        'qword' {
            $number = ConvertTo-Integer $Data 'qword' ([decimal][uint64]::MaxValue)
            return @{ kind = [Microsoft.Win32.RegistryValueKind]::QWord; raw = [BitConverter]::ToInt64([BitConverter]::GetBytes([uint64]$number), 0) }
        }
        { @('binary', 'none') -ccontains $_ } {
            if ($Data -isnot [string]) { throw "$Type data must be a base64 string" }
            return @{ kind = [Microsoft.Win32.RegistryValueKind]$Type; raw = [Convert]::FromBase64String($Data) }
        }
    }
    throw "unknown value type '$Type' (expected one of string, expandstring, multistring, dword, qword, binary, none)"
}

# Both sides already validated: binary/none compare as bytes, multistring as the list, dword/qword
# numerically, strings case-sensitively.
function Test-SameData([string]$Type, $Left, $Right) {
    if ($Type -ceq 'multistring') {
        $a = [string[]]@($Left); $b = [string[]]@($Right)
        if ($a.Count -ne $b.Count) { return $false }
        for ($i = 0; $i -lt $a.Count; $i++) { if ($a[$i] -cne $b[$i]) { return $false } }
        return $true
    }
    if ($Type -ceq 'dword' -or $Type -ceq 'qword') { return ([decimal]$Left) -eq ([decimal]$Right) }
    if ($Type -ceq 'binary' -or $Type -ceq 'none') {
        return [Convert]::ToBase64String([Convert]::FromBase64String($Left)) -ceq [string]$Right
    }
    return ([string]$Left) -ceq ([string]$Right)
}

function Test-Expectation($State, $Expect) {
    $exists = Get-Field $Expect 'exists'
    if ($exists -ne $State.exists) { return $false }
    if (-not $exists -or $null -eq $State.type) { return $true }
    if ([string](Get-Field $Expect 'type') -cne $State.type) { return $false }
    return Test-SameData $State.type (Get-Field $Expect 'data') $State.data
}

function Read-KeyEntry($Address, $Base, [string]$Path) {
    $key = $Base.OpenSubKey($Path, $false)
    $values = New-Object System.Collections.ArrayList
    $subkeys = [string[]]@()
    if ($null -ne $key) {
        try {
            foreach ($name in $key.GetValueNames()) {
                $state = Read-Value $key $name
                [void]$values.Add([ordered]@{ name = $name; type = $state.type; data = $state.data })
            }
            $subkeys = [string[]]$key.GetSubKeyNames()
        } finally { $key.Dispose() }
    }
    # Keys set in the literal: $entry.values = ... would hit the read-only Values property.
    return [ordered]@{
        hive = (Get-Field $Address 'hive'); path = $Path; view = (Get-Field $Address 'view')
        exists = ($null -ne $key); values = $values.ToArray(); subkeys = $subkeys
    }
}

# Subkey names of $Base\$Path ('' is $Base itself) in ordinal order; none when the key is missing.
function Get-SortedSubKeyNames($Base, [string]$Path) {
    $names = [string[]]@()
    if ($Path -eq '') { $names = [string[]]$Base.GetSubKeyNames() } else {
        $key = $Base.OpenSubKey($Path, $false)
        if ($null -eq $key) { return , $names }
        try { $names = [string[]]$key.GetSubKeyNames() } finally { $key.Dispose() }
    }
    [Array]::Sort($names, [StringComparer]::Ordinal)
    return , $names
}

# The existing keys a path with '*' names (each '*' is every subkey at its level, in ordinal name
# order): their concrete paths.
function Expand-KeyPath($Base, [string]$Path) {
    $paths = [string[]]@('')
    foreach ($part in $Path.Split('\')) {
        $next = New-Object System.Collections.ArrayList
        foreach ($prefix in $paths) {
            $names = [string[]]@($part)
            if ($part -ceq '*') { $names = Get-SortedSubKeyNames $Base $prefix }
            foreach ($name in $names) {
                if ($prefix -eq '') { [void]$next.Add($name) } else { [void]$next.Add("$prefix\$name") }
            }
        }
        $paths = [string[]]$next.ToArray()
    }
    $found = New-Object System.Collections.ArrayList
    foreach ($candidate in $paths) {
        $key = $Base.OpenSubKey($candidate, $false)
        if ($null -ne $key) { $key.Dispose(); [void]$found.Add($candidate) }
    }
    return , [string[]]$found.ToArray()
}

function Invoke-Read($Operation) {
    $keys = New-Object System.Collections.ArrayList
    $addresses = Get-List $Operation 'keys'
    for ($i = 0; $i -lt $addresses.Count; $i++) {
        $address = $addresses[$i]
        try {
            $base = Open-Base $address
            try {
                $path = Get-KeyPath $address $true
                if ($path.Split('\') -cnotcontains '*') {
                    [void]$keys.Add((Read-KeyEntry $address $base $path))
                } else {
                    # One entry per existing key the pattern names (none when it names nothing).
                    foreach ($concrete in (Expand-KeyPath $base $path)) {
                        $entry = Read-KeyEntry $address $base $concrete
                        if ($entry['exists']) { $entry['pattern'] = $path; [void]$keys.Add($entry) }
                    }
                }
            } finally { $base.Dispose() }
        } catch { throw "keys[$i]: $(Get-ErrorMessage $_)" }
    }
    return [ordered]@{ op = 'read'; status = 'ok'; keys = $keys.ToArray() }
}

function Test-KeyAction($Change) { return @('create_key', 'delete_key') -ccontains (Get-Field $Change 'action') }

# The current state a change's precondition is checked against: a value, or for create_key and
# delete_key the key.
function Read-Target($Change) {
    $key = Open-Key $Change
    try {
        if (Test-KeyAction $Change) { return @{ exists = ($null -ne $key); type = $null } }
        return Read-Value $key (Get-Field $Change 'name')
    } finally { if ($null -ne $key) { $key.Dispose() } }
}

# The first key on the change's path that does not exist yet: what a rollback must remove.
function Find-FirstMissingKey($Change) {
    $base = Open-Base $Change
    try {
        $parts = (Get-KeyPath $Change).Split('\')
        for ($i = 0; $i -lt $parts.Count; $i++) {
            $prefix = $parts[0..$i] -join '\'
            $key = $base.OpenSubKey($prefix, $false)
            if ($null -eq $key) { return $prefix }
            $key.Dispose()
        }
        return $null
    } finally { $base.Dispose() }
}

# Input checks for one change, before anything is read or written (messages as the twin's).
function Assert-Change($Change) {
    if ([string](Get-Field $Change 'hive') -ne 'HKLM') { throw "unsupported hive '$(Get-Field $Change 'hive')' (expected HKLM)" }
    [void](Get-View (Get-Field $Change 'view'))
    $path = Get-KeyPath $Change
    if ($path.Split('\') -ccontains '*') { throw "wildcard '*' in key path '$path': wildcards are only allowed in read" }
    $action = Get-Field $Change 'action'
    if (@('set_value', 'delete_value', 'create_key', 'delete_key') -cnotcontains $action) {
        throw "unknown action '$action' (expected set_value, delete_value, create_key, delete_key)"
    }
    $isValue = -not (Test-KeyAction $Change)
    if ($isValue -and (Get-Field $Change 'name') -isnot [string]) { throw "'name' must be a string ('' for the default value)" }
    if ($action -ceq 'set_value') { [void](ConvertTo-RegistryData (Get-Field $Change 'type') (Get-Field $Change 'data')) }
    $expect = Get-Field $Change 'expect'
    if ((Get-Field $expect 'exists') -isnot [bool]) { throw "'expect' must be an object with a boolean 'exists'" }
    if ($isValue -and (Get-Field $expect 'exists')) {
        try { [void](ConvertTo-RegistryData (Get-Field $expect 'type') (Get-Field $expect 'data')) } catch { throw "expect: $(Get-ErrorMessage $_)" }
    }
}

function Write-Backup([string]$Id, [int]$Keep, $Changes, $Snapshots) {
    for ($i = 0; $i -lt $Changes.Count; $i++) {
        $state = $Snapshots[$i].state
        if ($null -ne $state.kind -and -not $state.exact) {
            throw "cannot back up value '$($state.name)' of change $i exactly (registry type $([string]$state.kind) .NET cannot read as written)"
        }
    }
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64)
    try {
        # Never overwrite (or, on failure, delete) another apply's backup.
        $existing = $base.OpenSubKey("$BackupRoot\$Id", $false)
        if ($null -ne $existing) { $existing.Dispose(); throw "backup $Id already exists under HKLM\$BackupRoot" }
        try {
            $backup = $base.CreateSubKey("$BackupRoot\$Id")
            try {
                $backup.SetValue('Created', [DateTime]::UtcNow.ToString('o'), [Microsoft.Win32.RegistryValueKind]::String)
                $backup.SetValue('AgentVersion', $AgentVersion, [Microsoft.Win32.RegistryValueKind]::String)
                $backup.SetValue('Count', [int]$Changes.Count, [Microsoft.Win32.RegistryValueKind]::DWord)
                for ($i = 0; $i -lt $Changes.Count; $i++) {
                    $change = $Changes[$i]; $snapshot = $Snapshots[$i]; $state = $snapshot.state
                    # The stored name when the value existed, so a restore brings back its exact case.
                    $name = [string](Get-Field $change 'name')
                    if ($state.exists -and $null -ne $state.name) { $name = $state.name }
                    $item = $backup.CreateSubKey([string]$i)
                    try {
                        $item.SetValue('Hive', 'HKLM', [Microsoft.Win32.RegistryValueKind]::String)
                        $item.SetValue('Path', [string](Get-Field $change 'path'), [Microsoft.Win32.RegistryValueKind]::String)
                        $item.SetValue('Name', $name, [Microsoft.Win32.RegistryValueKind]::String)
                        $item.SetValue('Action', [string](Get-Field $change 'action'), [Microsoft.Win32.RegistryValueKind]::String)
                        $item.SetValue('View', [int](Get-Field $change 'view'), [Microsoft.Win32.RegistryValueKind]::DWord)
                        $item.SetValue('KeyExisted', [int]($null -eq $snapshot.firstMissingKey), [Microsoft.Win32.RegistryValueKind]::DWord)
                        $item.SetValue('ValueExisted', [int]($null -ne $state.kind), [Microsoft.Win32.RegistryValueKind]::DWord)
                        if ($null -ne $state.kind) { $item.SetValue('Data', $state.raw, $state.kind) }
                    } finally { $item.Dispose() }
                }
            } finally { $backup.Dispose() }
            Remove-OldBackups $base $Keep
        } catch {
            $message = Get-ErrorMessage $_
            try { $base.DeleteSubKeyTree("$BackupRoot\$Id", $false) } catch { $message = "$message; removing the partial backup failed: $(Get-ErrorMessage $_)" }
            throw $message
        }
    } finally { $base.Dispose() }
}

# Backup ids start with a UTC timestamp, so ordinal name order is time order.
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
    $action = Get-Field $Change 'action'
    $path = Get-KeyPath $Change
    $base = Open-Base $Change
    try {
        if ($action -ceq 'create_key') { $base.CreateSubKey($path).Dispose(); return }
        if ($action -ceq 'delete_key') { Remove-EmptyKey $base $path; return }
        $name = Get-Field $Change 'name'
        if ($action -ceq 'set_value') {
            $data = ConvertTo-RegistryData (Get-Field $Change 'type') (Get-Field $Change 'data')
            $key = $base.CreateSubKey($path)
            try { $key.SetValue($name, $data.raw, $data.kind) } finally { $key.Dispose() }
            return
        }
        $key = $base.OpenSubKey($path, $true)
        if ($null -ne $key) { try { $key.DeleteValue($name, $false) } finally { $key.Dispose() } }
    } finally { $base.Dispose() }
}

# Only an empty key is deleted: values or subkeys nobody planned to remove make the apply fail
# (and roll back) rather than disappear.
function Remove-EmptyKey($Base, [string]$Path) {
    $key = $Base.OpenSubKey($Path, $false)
    if ($null -eq $key) { return }
    try { $empty = $key.ValueCount -eq 0 -and $key.SubKeyCount -eq 0 } finally { $key.Dispose() }
    if (-not $empty) { throw "key 'HKLM\$Path' is not empty: it still holds values or subkeys" }
    $Base.DeleteSubKey($Path, $false)
}

# Put one value back as the snapshot saw it (or remove it).
function Restore-Value($Change, $State) {
    $path = Get-KeyPath $Change
    $base = Open-Base $Change
    try {
        if ($State.exists) { $key = $base.CreateSubKey($path) } else { $key = $base.OpenSubKey($path, $true) }
        if ($null -eq $key) { return }
        try {
            # Delete first so the restored value gets its original name case back.
            $key.DeleteValue((Get-Field $Change 'name'), $false)
            if ($State.exists) { $key.SetValue($State.name, $State.raw, $State.kind) }
        } finally { $key.Dispose() }
    } finally { $base.Dispose() }
}

# Undo after change $Failed failed: restore the values of the changes before it (newest first),
# then remove the keys those changes and the failed one created. Best effort: every step is tried,
# the first error is thrown. The failed change itself wrote no value, so nothing of it is restored
# (restoring it would just fail again, e.g. on access denied).
function Undo-Changes($Changes, $Snapshots, [int]$Failed) {
    $errors = New-Object System.Collections.ArrayList
    for ($i = $Failed - 1; $i -ge 0; $i--) {
        $action = Get-Field $Changes[$i] 'action'
        if ($action -ceq 'create_key') { continue }
        try {
            if ($action -ceq 'delete_key') {
                $base = Open-Base $Changes[$i]
                try { $base.CreateSubKey((Get-KeyPath $Changes[$i])).Dispose() } finally { $base.Dispose() }
            } else { Restore-Value $Changes[$i] $Snapshots[$i].state }
        } catch { [void]$errors.Add((Get-ErrorMessage $_)) }
    }
    for ($i = $Failed; $i -ge 0; $i--) {
        $missing = $Snapshots[$i].firstMissingKey
        if ($null -eq $missing -or (Get-Field $Changes[$i] 'action') -ceq 'delete_value') { continue }
        try {
            $base = Open-Base $Changes[$i]
            try { $base.DeleteSubKeyTree($missing, $false) } finally { $base.Dispose() }
        } catch { [void]$errors.Add((Get-ErrorMessage $_)) }
    }
    if ($errors.Count -gt 0) { throw $errors[0] }
}

function Read-After($Change) {
    $entry = [ordered]@{ hive = 'HKLM'; path = (Get-Field $Change 'path'); view = (Get-Field $Change 'view') }
    if (-not (Test-KeyAction $Change)) { $entry['name'] = Get-Field $Change 'name' }
    $state = Get-PublicState (Read-Target $Change)
    foreach ($field in $state.Keys) { $entry[$field] = $state[$field] }
    return $entry
}

function Invoke-Apply($Operation) {
    $changes = Get-List $Operation 'changes'
    if ($changes.Count -eq 0) { return [ordered]@{ op = 'apply'; status = 'applied'; backup_id = $null; after = @() } }
    $backupSpec = Get-Field $Operation 'backup'
    $backupId = Get-Field $backupSpec 'id'
    # \z, not $: $ also matches before a final newline.
    if ($backupId -isnot [string] -or $backupId -cnotmatch '^[0-9A-Za-z._-]{1,64}\z') { throw "invalid backup id '$backupId'" }
    $keep = Get-Field $backupSpec 'keep'
    if ($keep -isnot [int] -or $keep -lt 1) { throw "backup keep must be an integer >= 1, got '$keep'" }
    for ($i = 0; $i -lt $changes.Count; $i++) {
        try { Assert-Change $changes[$i] } catch { throw "changes[$i]: $(Get-ErrorMessage $_)" }
    }

    # 1. Preconditions, and the snapshot the backup and a rollback work from.
    $snapshots = New-Object System.Collections.ArrayList
    $failed = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $changes.Count; $i++) {
        $state = Read-Target $changes[$i]
        [void]$snapshots.Add(@{ state = $state; firstMissingKey = (Find-FirstMissingKey $changes[$i]) })
        if (-not (Test-Expectation $state (Get-Field $changes[$i] 'expect'))) {
            [void]$failed.Add([ordered]@{ index = $i; current = (Get-PublicState $state) })
        }
    }
    if ($failed.Count -gt 0) { return [ordered]@{ op = 'apply'; status = 'precondition_failed'; failed = $failed.ToArray() } }

    # 2. Backup.
    try { Write-Backup $backupId $keep $changes $snapshots } catch {
        return [ordered]@{ op = 'apply'; status = 'failed'; stage = 'backup'; backup_id = $null; error = (Get-ErrorMessage $_) }
    }

    # 3. Writes, rolled back on the first failure.
    $done = 0
    try {
        foreach ($change in $changes) { Invoke-Change $change; $done++ }
    } catch {
        $result = [ordered]@{ op = 'apply'; status = 'failed'; stage = 'write'; failed_index = $done; error = (Get-ErrorMessage $_) }
        try { Undo-Changes $changes $snapshots $done; $result['rollback'] = [ordered]@{ ok = $true } }
        catch { $result['rollback'] = [ordered]@{ ok = $false; error = (Get-ErrorMessage $_) } }
        $result['backup_id'] = $backupId
        return $result
    }

    # 4. Read back.
    $after = New-Object System.Collections.ArrayList
    foreach ($change in $changes) { [void]$after.Add((Read-After $change)) }
    return [ordered]@{ op = 'apply'; status = 'applied'; backup_id = $backupId; after = $after.ToArray() }
}

# A WMI value as the protocol reports it: strings, integers, booleans, reals and null as they are,
# char16 as a string, byte arrays as base64, DateTime as ISO 8601 UTC, other arrays element by element.
function ConvertTo-WmiValue($Value, [string]$Name) {
    if ($null -eq $Value) { return $null }
    if ($Value -is [byte[]]) { return [Convert]::ToBase64String($Value) }
    if ($Value -is [array]) {
        $items = New-Object System.Collections.ArrayList
        foreach ($item in $Value) { [void]$items.Add((ConvertTo-WmiValue $item $Name)) }
        return , $items.ToArray()
    }
    if ($Value -is [string] -or $Value -is [bool] -or (Test-WmiInteger $Value) -or $Value -is [double] -or $Value -is [single]) { return $Value }
    if ($Value -is [char]) { return [string]$Value }
    if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('o') }
    throw "property '$Name' has a value of type $($Value.GetType().FullName), which wmi_query does not report"
}

function Test-WmiInteger($Value) {
    foreach ($type in @([byte], [sbyte], [int16], [uint16], [int32], [uint32], [int64], [uint64])) { if ($Value -is $type) { return $true } }
    return $false
}

# A 'where' value: string, boolean, null or integer. ConvertFrom-Json gives Int32/Int64, and Decimal
# only beyond Int64 (an integral Decimal inside it was written 1.0, which is not an integer).
function Test-WmiFilterValue($Value) {
    if ($null -eq $Value -or $Value -is [string] -or $Value -is [bool] -or $Value -is [int] -or $Value -is [long]) { return $true }
    if ($Value -isnot [decimal]) { return $false }
    return $Value -eq [decimal]::Truncate($Value) -and ($Value -gt [long]::MaxValue -or $Value -lt [long]::MinValue)
}

# 'where' equality: the same JSON kind; strings ignore case (ordinal), numbers compare by value.
function Test-WmiEqual($Value, $Wanted) {
    if ($null -eq $Wanted) { return $null -eq $Value }
    if ($Wanted -is [bool]) { return $Value -is [bool] -and $Value -eq $Wanted }
    if ($Wanted -is [string]) { return $Value -is [string] -and [string]::Equals($Value, $Wanted, [StringComparison]::OrdinalIgnoreCase) }
    return (Test-WmiInteger $Value) -and ([decimal]$Value) -eq ([decimal]$Wanted)
}

# 'namespace' or 'class' when Get-CimInstance failed because Windows has no such namespace or class
# (WBEM_E_INVALID_NAMESPACE 0x8004100E, WBEM_E_INVALID_CLASS 0x80041010); $null for other errors.
function Get-WmiMissing($ErrorRecord) {
    $code = [string]$ErrorRecord.Exception.NativeErrorCode
    $id = [string]$ErrorRecord.FullyQualifiedErrorId
    if ($code -eq 'InvalidNamespace' -or $id -like 'HRESULT 0x8004100e,*') { return 'namespace' }
    if ($code -eq 'InvalidClass' -or $id -like 'HRESULT 0x80041010,*') { return 'class' }
    return $null
}

function Get-WmiRow($Instance, $Names) {
    $row = [ordered]@{}
    foreach ($name in $Names) {
        $value = $null
        foreach ($property in $Instance.CimInstanceProperties) {
            if ($property.Name -eq $name) { $value = ConvertTo-WmiValue $property.Value $name }
        }
        $row[$name] = $value
    }
    return $row
}

# Read-only: instances of one class, only the listed properties, filtered in PowerShell by 'where'.
function Invoke-WmiQuery($Operation) {
    $namespace = Get-Field $Operation 'namespace'
    if ($namespace -isnot [string]) { throw "'namespace' must be a string" }
    if ($namespace -cnotmatch $WmiNamespacePattern) {
        throw "invalid namespace '$namespace' (expected names of letters, digits and underscores separated by single backslashes)"
    }
    $class = Get-Field $Operation 'class'
    if ($class -isnot [string]) { throw "'class' must be a string" }
    if ($class -cnotmatch $WmiNamePattern) { throw "invalid class name '$class' (expected letters, digits and underscores)" }
    $properties = Get-Field $Operation 'properties'
    if ($properties -isnot [array] -or $properties.Count -eq 0) { throw "'properties' must be a non-empty list of property names" }
    $seen = @{}
    for ($i = 0; $i -lt $properties.Count; $i++) {
        $name = $properties[$i]
        if ($name -isnot [string]) { throw "properties[$i] must be a string" }
        if ($name -cnotmatch $WmiNamePattern) { throw "invalid property name '$name' (expected letters, digits and underscores)" }
        if ($seen.ContainsKey($name)) { throw "duplicate property '$name' in 'properties'" }
        $seen[$name] = $true
    }
    $filters = New-Object System.Collections.ArrayList
    $where = Get-Field $Operation 'where'
    if ($null -ne $where) {
        if ($where -isnot [System.Management.Automation.PSCustomObject]) { throw "'where' must be an object of property names and values" }
        foreach ($field in $where.PSObject.Properties) {
            $listed = $null
            foreach ($name in $properties) { if ($name -eq $field.Name) { $listed = $name } }
            if ($null -eq $listed) { throw "'where' property '$($field.Name)' is not one of 'properties'" }
            if (-not (Test-WmiFilterValue $field.Value)) { throw "'where' value of '$($field.Name)' must be a string, an integer, a boolean or null" }
            [void]$filters.Add(@{ property = $listed; wanted = $field.Value })
        }
    }
    try {
        $found = @(Get-CimInstance -Namespace $namespace -ClassName $class -OperationTimeoutSec $WmiTimeoutSec -ErrorAction Stop)
    } catch {
        $missing = Get-WmiMissing $_
        if ($null -eq $missing) { throw }
        return [ordered]@{ op = 'wmi_query'; status = 'ok'; instances = @(); missing = $missing }
    }
    $instances = New-Object System.Collections.ArrayList
    foreach ($instance in $found) {
        $row = Get-WmiRow $instance $properties
        $keep = $true
        foreach ($filter in $filters) { if (-not (Test-WmiEqual $row[$filter.property] $filter.wanted)) { $keep = $false } }
        if ($keep) { [void]$instances.Add($row) }
    }
    return [ordered]@{ op = 'wmi_query'; status = 'ok'; instances = $instances.ToArray() }
}

# --- tls_probe: reach URLs from the host, directly or through an HTTP proxy (CONNECT) --------------
# Targets and proxies are validated data; the HTTP request lines built from them are bytes sent on a
# socket, never script. Every network step is bounded by timeout_ms (connect, and each socket read).
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
    if ($port -isnot [int] -or $port -lt 1 -or $port -gt 65535) { throw "targets[$Index]: port must be an integer 1..65535" }
    $path = Get-Field $Target 'path'
    if ($path -isnot [string] -or $path -cnotmatch $ProbePathPattern) {
        throw "targets[$Index]: invalid path (expected '/' followed by printable ASCII characters without spaces)"
    }
    $routes = Get-Field $Target 'routes'
    if ($routes -isnot [array] -or $routes.Count -eq 0) { throw "targets[$Index]: 'routes' must be a non-empty list of route indexes" }
    foreach ($route in $routes) {
        if ($route -isnot [int] -or $route -lt 0 -or $route -ge $RouteCount) { throw "targets[$Index]: route index '$route' is not one of 'routes'" }
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
    if ($offset -isnot [int] -or $offset -lt 0) { throw "'from.offset' must be an integer >= 0 for the binary value '$name'" }
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

# The answer head (status line and headers) up to the blank line, at most $ProbeMaxHeadBytes bytes.
function Read-HttpHead($Stream) {
    $bytes = New-Object System.Collections.Generic.List[byte]
    while ($bytes.Count -lt $ProbeMaxHeadBytes) {
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

# TLS handshake on $Stream; the certificate chain Windows built from what the server presented is kept
# whether or not it validates (the callback accepts it: nothing is sent over the connection afterwards).
function Invoke-TlsHandshake($Stream, [string]$ServerName) {
    $captured = @{ chain = (New-Object System.Collections.ArrayList); errors = $null }
    # Runs synchronously inside AuthenticateAsClient; the closure sees only $captured, so it calls no
    # agent function. Windows resets the chain after the callback: copy what is reported now.
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
        [void]$tls.AuthenticateAsClient($ServerName, $null, [System.Security.Authentication.SslProtocols]::Tls12, $false)
        return [ordered]@{ protocol = [string]$tls.SslProtocol; policy_errors = $captured['errors']; chain = $captured['chain'].ToArray() }
    } finally { $tls.Dispose() }
}

function Get-Authority($Target) {
    $default = 443
    if ($Target.scheme -ceq 'http') { $default = 80 }
    if ($Target.port -eq $default) { return $Target.host }
    return "$($Target.host):$($Target.port)"
}

# One target over one way out ($Proxy $null: direct). Failures are results, not errors: 'stage' says
# how far it got (connect, proxy, tls, http, done) and 'error' why it stopped.
function Invoke-Probe($Target, [int]$TargetIndex, $Proxy, [int]$TimeoutMs) {
    $via = 'direct'
    if ($null -ne $Proxy) { $via = $Proxy }
    $result = [ordered]@{ target = $TargetIndex; via = $via; ok = $false; stage = 'connect'; error = $null
        proxy_status = $null; http_status = $null; tls = $null
        timings = [ordered]@{ connect_ms = $null; proxy_ms = $null; tls_ms = $null; http_ms = $null; total_ms = $null } }
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $peer = @{ host = $Target.host; port = $Target.port }
    if ($null -ne $Proxy) { $peer = Split-HostPort $Proxy }
    $client = New-Object System.Net.Sockets.TcpClient
    try {
        $pending = $client.BeginConnect($peer.host.Trim('[', ']'), $peer.port, $null, $null)
        if (-not $pending.AsyncWaitHandle.WaitOne($TimeoutMs)) { throw "connecting to $($peer.host):$($peer.port) timed out after $TimeoutMs ms" }
        [void]$client.EndConnect($pending)
        $result['timings']['connect_ms'] = $clock.ElapsedMilliseconds
        $client.ReceiveTimeout = $TimeoutMs
        $client.SendTimeout = $TimeoutMs
        $stream = $client.GetStream()
        $authority = Get-Authority $Target
        if ($Target.scheme -ceq 'https') {
            if ($null -ne $Proxy) {
                $result['stage'] = 'proxy'
                $tunnel = "$($Target.host):$($Target.port)"
                Send-Ascii $stream "CONNECT $tunnel HTTP/1.1`r`nHost: $tunnel`r`n`r`n"
                $status = Get-HttpStatus (Read-HttpHead $stream)
                $result['proxy_status'] = $status
                $result['timings']['proxy_ms'] = $clock.ElapsedMilliseconds
                if ($status -ne 200) { throw "the proxy answered CONNECT with HTTP $status" }
            }
            $result['stage'] = 'tls'
            $result['tls'] = Invoke-TlsHandshake $stream ($Target.host.Trim('[', ']'))
            $result['timings']['tls_ms'] = $clock.ElapsedMilliseconds
        } else {
            $result['stage'] = 'http'
            $requestTarget = $Target.path
            if ($null -ne $Proxy) { $requestTarget = "http://$authority$($Target.path)" }
            Send-Ascii $stream "GET $requestTarget HTTP/1.1`r`nHost: $authority`r`nUser-Agent: proxyfleet-probe`r`nConnection: close`r`n`r`n"
            $result['http_status'] = Get-HttpStatus (Read-HttpHead $stream)
            $result['timings']['http_ms'] = $clock.ElapsedMilliseconds
        }
        $result['stage'] = 'done'
        $result['ok'] = $true
    } catch {
        $result['error'] = Get-ErrorMessage $_
    } finally {
        $client.Close()
        $result['timings']['total_ms'] = $clock.ElapsedMilliseconds
    }
    return $result
}

function Invoke-TlsProbe($Operation) {
    $timeout = Get-Field $Operation 'timeout_ms'
    if ($timeout -isnot [int] -or $timeout -lt 100 -or $timeout -gt 120000) { throw "'timeout_ms' must be an integer 100..120000" }
    $routeList = Get-List $Operation 'routes'
    $targetList = Get-List $Operation 'targets'
    # Everything is validated before the first connection.
    $targets = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $targetList.Count; $i++) { [void]$targets.Add((Get-ProbeTarget $targetList[$i] $i $routeList.Count)) }
    $routes = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $routeList.Count; $i++) { [void]$routes.Add((Resolve-ProbeRoute $routeList[$i] $i)) }
    $probes = New-Object System.Collections.ArrayList
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
            [void]$probes.Add((Invoke-Probe $targets[$i] $i $route['proxy'] $timeout))
        }
    }
    return [ordered]@{ op = 'tls_probe'; status = 'ok'; routes = $routes.ToArray(); probes = $probes.ToArray() }
}

function Invoke-Operation($Operation) {
    $name = Get-Field $Operation 'op'
    try {
        if ($name -ceq 'read') { return Invoke-Read $Operation }
        if ($name -ceq 'wmi_query') { return Invoke-WmiQuery $Operation }
        if ($name -ceq 'tls_probe') { return Invoke-TlsProbe $Operation }
        return Invoke-Apply $Operation
    } catch {
        return [ordered]@{ op = $name; status = 'error'; error = (Get-ErrorMessage $_) }
    }
}

function Write-Response($Response) {
    $json = ConvertTo-Json -InputObject $Response -Depth 32 -Compress
    # Keep stdout pure ASCII whatever the console code page is (JSON \u escapes, per UTF-16 unit).
    $json = [regex]::Replace($json, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
    # The success stream, not [Console]::Out: under psrp this script runs in a runspace and only
    # pipeline output becomes stdout; powershell.exe (winrm) writes it to stdout plus a CRLF.
    Write-Output $json
}

$response = [ordered]@{ protocol = $ProtocolVersion; agent_version = $AgentVersion; ok = $true; results = @() }
try {
    $protocol = Get-Field $Request 'protocol'
    if ($protocol -isnot [int] -or $protocol -ne $ProtocolVersion) {
        throw "unsupported protocol '$protocol': this agent speaks protocol $ProtocolVersion"
    }
    $version = Get-Field $Request 'agent_version'
    if ($version -isnot [string] -or $version -cne $AgentVersion) { throw "request is for agent version '$version'; this is agent $AgentVersion" }
    $operations = Get-List $Request 'operations'
    # An unknown operation is a request-level error: check them all before anything runs.
    for ($i = 0; $i -lt $operations.Count; $i++) {
        $name = Get-Field $operations[$i] 'op'
        if (@('read', 'apply', 'wmi_query', 'tls_probe') -cnotcontains $name) { throw "unknown operation '$name' at operations[$i] (expected read, apply, wmi_query or tls_probe)" }
    }
    $results = New-Object System.Collections.ArrayList
    foreach ($operation in $operations) { [void]$results.Add((Invoke-Operation $operation)) }
    $response['results'] = $results.ToArray()
} catch {
    $response['ok'] = $false
    $response['error'] = Get-ErrorMessage $_
    $response['results'] = @()
}
Write-Response $response
