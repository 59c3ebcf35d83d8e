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
                        # The topmost key the apply creates: what a restore removes again, once empty.
                        if ($null -ne $snapshot.firstMissingKey) { $item.SetValue('FirstMissingKey', [string]$snapshot.firstMissingKey, [Microsoft.Win32.RegistryValueKind]::String) }
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

# A service by its exact name (the name is data: never a wildcard, never script text). 'restart'
# restarts it when it runs (or always, with only_if_running false), waiting at most 60 s each way.
function Invoke-Service($Operation) {
    $name = Get-Field $Operation 'name'
    if ($name -isnot [string] -or $name -cnotmatch '^[^\\/*?\x00-\x1F\x7F]{1,256}\z') { throw "invalid service name '$name' (1 to 256 characters, no '/', '\', '*', '?' or control characters)" }
    $action = Get-Field $Operation 'action'
    if (@('query', 'restart') -cnotcontains $action) { throw "unknown service action '$action' (expected query or restart)" }
    $onlyIfRunning = Get-Field $Operation 'only_if_running'
    if ($onlyIfRunning -isnot [bool]) { throw "'only_if_running' must be a boolean" }
    $service = New-Object System.ServiceProcess.ServiceController -ArgumentList $name
    try { $before = [string]$service.Status } catch { return [ordered]@{ op = 'service'; status = 'missing'; name = $name } }
    $restart = ($action -ceq 'restart') -and ($before -ceq 'Running' -or -not $onlyIfRunning)
    if ($restart) {
        $wait = [TimeSpan]::FromSeconds(60)
        if ($before -cne 'Stopped') {
            if ($before -cne 'StopPending') { [void]$service.Stop() }
            [void]$service.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Stopped, $wait)
        }
        [void]$service.Start()
        [void]$service.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Running, $wait)
    }
    [void]$service.Refresh()
    return [ordered]@{ op = 'service'; status = 'ok'; name = $service.ServiceName; before = $before; after = [string]$service.Status; restarted = $restart }
}

# ---- Files: read, and write with a content-hash precondition, an on-host backup copy and atomic replace ----
$FileMaxBytes = 4194304
$FileBackupFolder = 'proxyfleet\FileBackups'
# \z, not $: $ also matches before a final newline. A drive-letter path; no UNC, no device paths.
$FilePathPattern = '^[A-Za-z]:\\[^<>:"/|?*\x00-\x1F]+\z'
$Sha256Pattern = '^[0-9a-f]{64}\z'

function Assert-FilePath($Path) {
    if ($Path -isnot [string]) { throw "'path' must be a string" }
    $names = $Path.Split('\')
    if ($Path -cnotmatch $FilePathPattern -or $names -contains '' -or $names -contains '.' -or $names -contains '..') {
        throw "invalid file path '$Path' (expected an absolute local path such as C:\dir\file.txt, without empty, '.' or '..' names)"
    }
    return $Path
}

function Get-Sha256Hex([byte[]]$Bytes) {
    $sha = [System.Security.Cryptography.SHA256]::Create()
    try { $hash = $sha.ComputeHash($Bytes) } finally { $sha.Dispose() }
    return ([BitConverter]::ToString($hash) -replace '-', '').ToLowerInvariant()
}

function Read-FileState([string]$Path) {
    if (-not [System.IO.File]::Exists($Path)) { return [ordered]@{ exists = $false } }
    $length = (New-Object System.IO.FileInfo($Path)).Length
    if ($length -gt $FileMaxBytes) { throw "file '$Path' has $length bytes, more than the $FileMaxBytes the agent reads" }
    $bytes = [System.IO.File]::ReadAllBytes($Path)
    return [ordered]@{ exists = $true; length = $bytes.Length; sha256 = (Get-Sha256Hex $bytes); content = [Convert]::ToBase64String($bytes) }
}

function Invoke-FileRead($Operation) {
    $path = Assert-FilePath (Get-Field $Operation 'path')
    $state = Read-FileState $path
    $result = [ordered]@{ op = 'file_read'; status = 'ok'; path = $path }
    foreach ($field in @($state.Keys)) { $result[$field] = $state[$field] }
    return $result
}

# expect: {"exists": false} or {"exists": true, "sha256": "<64 lower-case hex>"}.
function Assert-FileExpect($Expect) {
    $exists = Get-Field $Expect 'exists'
    if ($exists -isnot [bool]) { throw "'expect' must be an object with a boolean 'exists'" }
    if ($exists -and ((Get-Field $Expect 'sha256') -isnot [string] -or (Get-Field $Expect 'sha256') -cnotmatch $Sha256Pattern)) {
        throw "'expect.sha256' must be 64 lower-case hexadecimal digits"
    }
}

function Test-FileExpectation($State, $Expect) {
    if ((Get-Field $Expect 'exists') -ne $State.exists) { return $false }
    if (-not $State.exists) { return $true }
    return $State.sha256 -ceq (Get-Field $Expect 'sha256')
}

# The prior file goes to %ProgramData%\proxyfleet\FileBackups\<id>\<file name>, its path beside it in
# source.txt; backups beyond the newest $Keep (ids sort by time) are deleted.
function Write-FileBackup([string]$Id, [int]$Keep, [string]$Path) {
    $root = Join-Path $env:ProgramData $FileBackupFolder
    $folder = Join-Path $root $Id
    if ([System.IO.Directory]::Exists($folder)) { throw "backup $Id already exists under $root" }
    try {
        [void][System.IO.Directory]::CreateDirectory($folder)
        $copy = Join-Path $folder ([System.IO.Path]::GetFileName($Path))
        [void][System.IO.File]::Copy($Path, $copy, $false)
        [void][System.IO.File]::WriteAllText((Join-Path $folder 'source.txt'), $Path)
    } catch {
        $message = Get-ErrorMessage $_
        try { if ([System.IO.Directory]::Exists($folder)) { [void][System.IO.Directory]::Delete($folder, $true) } } catch { $message = "$message; removing the partial backup failed: $(Get-ErrorMessage $_)" }
        throw $message
    }
    $names = [string[]]@([System.IO.Directory]::GetDirectories($root) | ForEach-Object { [System.IO.Path]::GetFileName($_) })
    [Array]::Sort($names, [StringComparer]::Ordinal)
    for ($i = 0; $i -lt ($names.Count - $Keep); $i++) { [void][System.IO.Directory]::Delete((Join-Path $root $names[$i]), $true) }
    return $copy
}

function Invoke-FileWrite($Operation) {
    $path = Assert-FilePath (Get-Field $Operation 'path')
    $content = Get-Field $Operation 'content'
    if ($content -isnot [string]) { throw "'content' must be a base64 string" }
    $bytes = [Convert]::FromBase64String($content)
    $expect = Get-Field $Operation 'expect'
    Assert-FileExpect $expect
    $backupSpec = Get-Field $Operation 'backup'
    $backupId = Get-Field $backupSpec 'id'
    if ($backupId -isnot [string] -or $backupId -cnotmatch '^[0-9A-Za-z._-]{1,64}\z') { throw "invalid backup id '$backupId'" }
    $keep = Get-Field $backupSpec 'keep'
    if ($keep -isnot [int] -or $keep -lt 1) { throw "backup keep must be an integer >= 1, got '$keep'" }

    # 1. Precondition: the file is still what the controller read (by content hash).
    $current = Read-FileState $path
    if (-not (Test-FileExpectation $current $expect)) {
        $seen = [ordered]@{ exists = $current.exists }
        if ($current.exists) { $seen['sha256'] = $current.sha256 }
        return [ordered]@{ op = 'file_write'; status = 'precondition_failed'; path = $path; current = $seen }
    }
    # 2. Backup copy of the prior file (none when there was no file).
    $backupPath = $null
    if ($current.exists) {
        try { $backupPath = Write-FileBackup $backupId $keep $path } catch {
            return [ordered]@{ op = 'file_write'; status = 'failed'; stage = 'backup'; path = $path; backup_id = $null; error = (Get-ErrorMessage $_) }
        }
    }
    # 3. Write a temporary file beside the target, then swap it in: readers see the old or the new file.
    $temp = "$path.$backupId.tmp"
    try {
        [void][System.IO.File]::WriteAllBytes($temp, $bytes)
        if ($current.exists) { [void][System.IO.File]::Replace($temp, $path, [NullString]::Value) } else { [void][System.IO.File]::Move($temp, $path) }
    } catch {
        $message = Get-ErrorMessage $_
        try { if ([System.IO.File]::Exists($temp)) { [void][System.IO.File]::Delete($temp) } } catch { $message = "$message; removing $temp failed: $(Get-ErrorMessage $_)" }
        $failedBackup = $null
        if ($current.exists) { $failedBackup = $backupId }
        return [ordered]@{ op = 'file_write'; status = 'failed'; stage = 'write'; path = $path; backup_id = $failedBackup; error = $message }
    }
    # 4. Read back.
    $after = Read-FileState $path
    $writtenBackup = $null
    if ($current.exists) { $writtenBackup = $backupId }
    return [ordered]@{ op = 'file_write'; status = 'written'; path = $path; backup_id = $writtenBackup; backup_path = $backupPath; length = $after.length; sha256 = $after.sha256 }
}

# ---- ConfigMgr site control data: SMS_SCI_SysResUse embedded properties through the SMS Provider ----
# System.Management (not the CIM cmdlets) because site control changes need the session handle in the
# WMI context of every call (GetSessionHandle, RefreshSCF, Put, CommitSCF, ReleaseSessionHandle).
# No query text: instances are enumerated and filtered here.
$SmsSiteCodePattern = '^[A-Za-z0-9]{3}\z'
$SmsServerPattern = '^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})\z'
$SmsNamePattern = '^[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}\z'

function Assert-SiteCode($SiteCode) {
    if ($SiteCode -isnot [string] -or $SiteCode -cnotmatch $SmsSiteCodePattern) { throw "invalid site code '$SiteCode' (expected three letters or digits)" }
    return $SiteCode.ToUpperInvariant()
}

function Assert-Server($Server) {
    if ($Server -isnot [string] -or $Server -cnotmatch $SmsServerPattern) { throw "invalid server name '$Server' (expected a host name or FQDN of letters, digits, '.' and '-')" }
    return $Server
}

function Assert-SmsName($Name, [string]$What) {
    if ($Name -isnot [string] -or $Name -cnotmatch $SmsNamePattern) { throw "invalid $What '$Name' (expected letters, digits, spaces, '_', '.' and '-')" }
    return $Name
}

function Get-LocalFqdn {
    $properties = [System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties()
    if ([string]::IsNullOrEmpty($properties.DomainName)) { return $properties.HostName }
    return "$($properties.HostName).$($properties.DomainName)"
}

function New-WmiClass($Scope, [string]$Name, $Options) {
    return New-Object System.Management.ManagementClass($Scope, (New-Object System.Management.ManagementPath($Name)), $Options)
}

function Test-WmiNamespaceMissing($ErrorRecord) {
    $exception = $ErrorRecord.Exception
    while ($null -ne $exception) {
        if ($exception -is [System.Management.ManagementException] -and $exception.ErrorCode -eq [System.Management.ManagementStatus]::InvalidNamespace) { return $true }
        $exception = $exception.InnerException
    }
    return $false
}

# The site code of the provider for the local site (SMS_ProviderLocation.ProviderForLocalSite in root\SMS).
function Get-LocalSiteCode {
    $scope = New-Object System.Management.ManagementScope('\\.\root\SMS')
    [void]$scope.Connect()
    $codes = New-Object System.Collections.ArrayList
    foreach ($location in (New-WmiClass $scope 'SMS_ProviderLocation' $null).GetInstances()) {
        if ($location['ProviderForLocalSite'] -eq $true) { [void]$codes.Add(([string]$location['SiteCode']).ToUpperInvariant()) }
    }
    if ($codes.Count -ne 1) { throw "root\SMS has $($codes.Count) SMS_ProviderLocation instances with ProviderForLocalSite = true (expected 1): give the site code" }
    return $codes[0]
}

function Invoke-ScfMethod($Session, [string]$Method, [string]$Parameter, [string]$Value) {
    $parameters = $Session.scf.GetMethodParameters($Method)
    $parameters[$Parameter] = $Value
    # Options are filled in by property: New-Object would unroll the (enumerable) context into arguments.
    $options = New-Object System.Management.InvokeMethodOptions
    $options.Context = $Session.context
    $options.Timeout = [TimeSpan]::FromSeconds($WmiTimeoutSec)
    $out = $Session.scf.InvokeMethod($Method, $parameters, $options)
    $code = $out['ReturnValue']
    if ($null -ne $code -and [long]$code -ne 0) { throw "SMS_SiteControlFile.$Method returned $code" }
}

# A session on the site control file: our own in-memory copy, refreshed from the database, named by the
# handle every later call carries in its WMI context. Close-ScfSession releases it (without CommitSCF
# nothing done in the session reaches the site).
function Open-ScfSession([string]$SiteCode) {
    $scope = New-Object System.Management.ManagementScope("\\.\root\SMS\site_$SiteCode")
    [void]$scope.Connect()
    $scf = New-WmiClass $scope 'SMS_SiteControlFile' $null
    $out = $scf.InvokeMethod('GetSessionHandle', $null, $null)
    $context = New-Object System.Management.ManagementNamedValueCollection
    [void]$context.Add('SessionHandle', [string]$out['SessionHandle'])
    $session = @{ scope = $scope; scf = $scf; handle = [string]$out['SessionHandle']; context = $context; site = $SiteCode }
    try { Invoke-ScfMethod $session 'RefreshSCF' 'SiteCode' $SiteCode } catch { Close-ScfSession $session; throw }
    return $session
}

function Close-ScfSession($Session) {
    $parameters = $Session.scf.GetMethodParameters('ReleaseSessionHandle')
    $parameters['SessionHandle'] = $Session.handle
    $out = $Session.scf.InvokeMethod('ReleaseSessionHandle', $parameters, $null)
}

# The server's SMS_SCI_SysResUse instances in the session's copy (NetworkOSPath is \\<server>).
function Get-SysResUse($Session, [string]$Server) {
    $getOptions = New-Object System.Management.ObjectGetOptions
    $getOptions.Context = $Session.context
    $class = New-WmiClass $Session.scope 'SMS_SCI_SysResUse' $getOptions
    $enumeration = New-Object System.Management.EnumerationOptions
    $enumeration.Context = $Session.context
    $enumeration.Timeout = [TimeSpan]::FromSeconds($WmiTimeoutSec)
    $found = New-Object System.Collections.ArrayList
    foreach ($instance in $class.GetInstances($enumeration)) {
        $sameServer = [string]::Equals([string]$instance['NetworkOSPath'], "\\$Server", [StringComparison]::OrdinalIgnoreCase)
        $sameSite = [string]::Equals([string]$instance['SiteCode'], $Session.site, [StringComparison]::OrdinalIgnoreCase)
        if ($sameServer -and $sameSite) { [void]$found.Add($instance) }
    }
    return , $found.ToArray()
}

function Find-Role($Instances, [string]$Role) {
    foreach ($instance in $Instances) { if ([string]::Equals([string]$instance['RoleName'], $Role, [StringComparison]::OrdinalIgnoreCase)) { return $instance } }
    return $null
}

# An embedded property as the protocol reports it: Value (uint32) as a number, Value1 and Value2 as strings or null.
function Get-PropState($Instance, [string]$Name) {
    foreach ($prop in @($Instance['Props'])) {
        if ($null -ne $prop -and [string]::Equals([string]$prop['PropertyName'], $Name, [StringComparison]::OrdinalIgnoreCase)) {
            $value = $prop['Value']
            if ($null -ne $value) { $value = [long]$value }
            return [ordered]@{ exists = $true; value = $value; value1 = $prop['Value1']; value2 = $prop['Value2'] }
        }
    }
    return [ordered]@{ exists = $false }
}

function ConvertTo-SysResUseEntry($Instance) {
    $props = New-Object System.Collections.ArrayList
    foreach ($prop in @($Instance['Props'])) {
        if ($null -eq $prop) { continue }
        $value = $prop['Value']
        if ($null -ne $value) { $value = [long]$value }
        [void]$props.Add([ordered]@{ name = [string]$prop['PropertyName']; value = $value; value1 = $prop['Value1']; value2 = $prop['Value2'] })
    }
    return [ordered]@{
        role = [string]$Instance['RoleName']; item_name = [string]$Instance['ItemName']
        network_os_path = [string]$Instance['NetworkOSPath']; props = $props.ToArray()
    }
}

function Invoke-SysResUseRead($Operation) {
    $siteCode = Get-Field $Operation 'site_code'
    if ($null -ne $siteCode) { $siteCode = Assert-SiteCode $siteCode }
    $server = Get-Field $Operation 'server'
    if ($null -eq $server) { $server = Get-LocalFqdn } else { $server = Assert-Server $server }
    if ($null -eq $siteCode) {
        try { $siteCode = Get-LocalSiteCode } catch {
            if (-not (Test-WmiNamespaceMissing $_)) { throw }
            return [ordered]@{ op = 'sms_sysresuse_read'; status = 'ok'; site_code = $null; server = $server; instances = @(); missing = 'provider' }
        }
    }
    $session = Open-ScfSession $siteCode
    try {
        $instances = New-Object System.Collections.ArrayList
        foreach ($instance in (Get-SysResUse $session $server)) { [void]$instances.Add((ConvertTo-SysResUseEntry $instance)) }
    } finally { Close-ScfSession $session }
    return [ordered]@{ op = 'sms_sysresuse_read'; status = 'ok'; site_code = $siteCode; server = $server; instances = $instances.ToArray() }
}

function Assert-PropFields($Fields, [string]$Where) {
    $value = Get-Field $Fields 'value'
    if ($null -ne $value -and -not (($value -is [int] -or $value -is [long]) -and $value -ge 0 -and $value -le [uint32]::MaxValue)) {
        throw "$Where.value must be an integer 0..4294967295 or null"
    }
    foreach ($name in @('value1', 'value2')) {
        $text = Get-Field $Fields $name
        if ($null -ne $text -and $text -isnot [string]) { throw "$Where.$name must be a string or null" }
    }
}

function Assert-PropChange($Change) {
    [void](Assert-SmsName (Get-Field $Change 'role') 'role name')
    [void](Assert-SmsName (Get-Field $Change 'name') 'property name')
    $expect = Get-Field $Change 'expect'
    if ((Get-Field $expect 'exists') -isnot [bool]) { throw "'expect' must be an object with a boolean 'exists'" }
    if (Get-Field $expect 'exists') { Assert-PropFields $expect 'expect' }
    $set = Get-Field $Change 'set'
    if ($null -ne $set) {
        if ($set -isnot [System.Management.Automation.PSCustomObject]) { throw "'set' must be an object with value, value1 and value2, or null" }
        Assert-PropFields $set 'set'
    }
}

# The expected state, exactly: numbers by value, strings ordinal (case-sensitive), null only equal to null.
function Test-PropExpectation($State, $Expect) {
    if ((Get-Field $Expect 'exists') -ne $State.exists) { return $false }
    if (-not $State.exists) { return $true }
    $wanted = Get-Field $Expect 'value'
    if (($null -eq $wanted) -ne ($null -eq $State.value)) { return $false }
    if ($null -ne $wanted -and [long]$wanted -ne [long]$State.value) { return $false }
    foreach ($name in @('value1', 'value2')) {
        $text = Get-Field $Expect $name
        if (($null -eq $text) -ne ($null -eq $State[$name])) { return $false }
        if ($null -ne $text -and [string]$text -cne [string]$State[$name]) { return $false }
    }
    return $true
}

# Set one embedded property of an instance (in memory), adding it when the instance does not have it.
function Set-EmbeddedProperty($Session, $Instance, [string]$Name, $Set) {
    $props = New-Object System.Collections.ArrayList
    $target = $null
    foreach ($prop in @($Instance['Props'])) {
        if ($null -eq $prop) { continue }
        [void]$props.Add($prop)
        if ([string]::Equals([string]$prop['PropertyName'], $Name, [StringComparison]::OrdinalIgnoreCase)) { $target = $prop }
    }
    if ($null -eq $target) {
        $target = (New-WmiClass $Session.scope 'SMS_EmbeddedProperty' $null).CreateInstance()
        $target['PropertyName'] = $Name
        [void]$props.Add($target)
    }
    $value = Get-Field $Set 'value'
    if ($null -eq $value) { $target['Value'] = $null } else { $target['Value'] = [uint32]$value }
    $target['Value1'] = Get-Field $Set 'value1'
    $target['Value2'] = Get-Field $Set 'value2'
    $Instance['Props'] = [System.Management.ManagementBaseObject[]]$props.ToArray()
}

function Invoke-SysResUseWrite($Operation) {
    $siteCode = Assert-SiteCode (Get-Field $Operation 'site_code')
    $server = Assert-Server (Get-Field $Operation 'server')
    $changes = Get-List $Operation 'changes'
    for ($i = 0; $i -lt $changes.Count; $i++) {
        try { Assert-PropChange $changes[$i] } catch { throw "changes[$i]: $(Get-ErrorMessage $_)" }
    }
    $session = Open-ScfSession $siteCode
    try {
        # 1. Preconditions against the refreshed copy: every property is still as the controller read it.
        $instances = Get-SysResUse $session $server
        $failed = New-Object System.Collections.ArrayList
        for ($i = 0; $i -lt $changes.Count; $i++) {
            $role = Get-Field $changes[$i] 'role'; $name = Get-Field $changes[$i] 'name'
            $instance = Find-Role $instances $role
            if ($null -eq $instance) {
                [void]$failed.Add([ordered]@{ index = $i; role = $role; name = $name; current = $null })
                continue
            }
            $state = Get-PropState $instance $name
            if (-not (Test-PropExpectation $state (Get-Field $changes[$i] 'expect'))) {
                [void]$failed.Add([ordered]@{ index = $i; role = $role; name = $name; current = $state })
            }
        }
        if ($failed.Count -gt 0) {
            return [ordered]@{ op = 'sms_sysresuse_write'; status = 'precondition_failed'; site_code = $siteCode; server = $server; failed = $failed.ToArray() }
        }
        # 2. Change the session's copy; nothing reaches the site before CommitSCF.
        $touched = New-Object System.Collections.ArrayList
        for ($i = 0; $i -lt $changes.Count; $i++) {
            $set = Get-Field $changes[$i] 'set'
            if ($null -eq $set) { continue }
            $instance = Find-Role $instances (Get-Field $changes[$i] 'role')
            Set-EmbeddedProperty $session $instance (Get-Field $changes[$i] 'name') $set
            if (-not $touched.Contains($instance)) { [void]$touched.Add($instance) }
        }
        if ($touched.Count -eq 0) {
            return [ordered]@{ op = 'sms_sysresuse_write'; status = 'written'; site_code = $siteCode; server = $server; committed = $false; after = @() }
        }
        try {
            $putOptions = New-Object System.Management.PutOptions
            $putOptions.Context = $session.context
            $putOptions.Type = [System.Management.PutType]::UpdateOnly
            foreach ($instance in $touched) { [void]$instance.Put($putOptions) }
        } catch {
            return [ordered]@{ op = 'sms_sysresuse_write'; status = 'failed'; stage = 'put'; site_code = $siteCode; server = $server; committed = $false; error = (Get-ErrorMessage $_) }
        }
        # 3. Commit the session's changes to the site database.
        try { Invoke-ScfMethod $session 'CommitSCF' 'SiteCode' $siteCode } catch {
            return [ordered]@{ op = 'sms_sysresuse_write'; status = 'failed'; stage = 'commit'; site_code = $siteCode; server = $server; committed = $false; error = (Get-ErrorMessage $_) }
        }
        # 4. Read back from a refreshed copy.
        Invoke-ScfMethod $session 'RefreshSCF' 'SiteCode' $siteCode
        $instances = Get-SysResUse $session $server
        $after = New-Object System.Collections.ArrayList
        for ($i = 0; $i -lt $changes.Count; $i++) {
            $role = Get-Field $changes[$i] 'role'; $name = Get-Field $changes[$i] 'name'
            $instance = Find-Role $instances $role
            $state = $null
            if ($null -ne $instance) { $state = Get-PropState $instance $name }
            [void]$after.Add([ordered]@{ index = $i; role = $role; name = $name; current = $state })
        }
        return [ordered]@{ op = 'sms_sysresuse_write'; status = 'written'; site_code = $siteCode; server = $server; committed = $true; after = $after.ToArray() }
    } finally { Close-ScfSession $session }
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
        if ($name -ceq 'service') { return Invoke-Service $Operation }
        if ($name -ceq 'sms_sysresuse_read') { return Invoke-SysResUseRead $Operation }
        if ($name -ceq 'sms_sysresuse_write') { return Invoke-SysResUseWrite $Operation }
        if ($name -ceq 'file_read') { return Invoke-FileRead $Operation }
        if ($name -ceq 'file_write') { return Invoke-FileWrite $Operation }
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
        if (@('read', 'apply', 'wmi_query', 'service', 'sms_sysresuse_read', 'sms_sysresuse_write', 'file_read', 'file_write', 'tls_probe') -cnotcontains $name) { throw "unknown operation '$name' at operations[$i] (expected read, apply, wmi_query, service, sms_sysresuse_read, sms_sysresuse_write, file_read, file_write or tls_probe)" }
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
