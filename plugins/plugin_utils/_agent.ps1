# proxyfleet.windows host agent, protocol 1 (docs/dev/agent-protocol.md): the core (read, apply,
# backup). Generic registry primitives driven by the JSON request; the optional parts (_agent_<part>.ps1:
# wmi, service, file, configmgr, tls) come before this text in the same script block, only when the
# request uses them, and only define functions. The request is the script block's first argument
# (no param block: the parts come first).
# Windows PowerShell 5.1 compatible: no compiled C#, no here-strings; only .NET registry APIs and Get-CimInstance.
# Request data is only ever handled as data: nothing from the request is evaluated as script, and no
# query text is built from it (WMI names are validated, passed as parameters, filtered in PowerShell).
# Nothing may reach the success stream but the one response: every .NET call that returns a
# value is assigned or cast to [void].
$Request = $args[0]
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$AgentVersion = '0.1.0'
$ProtocolVersion = 1
$BackupRoot = 'SOFTWARE\proxyfleet\Backups'
# The two registry kinds the backup writes its own values with.
$Sz = [Microsoft.Win32.RegistryValueKind]::String
$Dw = [Microsoft.Win32.RegistryValueKind]::DWord
$WmiTimeoutSec = 30

# A property of a ConvertFrom-Json object, exactly as parsed: the leading comma stops PowerShell from
# unrolling an array on return (an empty list would become $null, a one-element list its element).
function Get-Field($Object, [string]$Name) {
    if ($null -eq $Object) { return $null }
    $property = $Object.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    return , $property.Value
}

# ConvertFrom-Json gives Int32 (Int64 when larger) on Windows PowerShell 5.1 but Int64 for every integer
# on PowerShell 7: request integers are tested with this, never as Int32 alone.
function Test-JsonInteger($Value) { return $Value -is [int32] -or $Value -is [int64] }

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

# Load a .NET Framework assembly by name (no compilation). Windows PowerShell 5.1 does not load
# System.ServiceProcess or System.Management by itself in every host; a missing one is named.
function Import-Assembly([string]$Name) {
    try { $null = Add-Type -AssemblyName $Name } catch { throw "the .NET assembly $Name could not be loaded: $(Get-ErrorMessage $_)" }
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
    if ((Test-JsonInteger $View) -and $View -eq 64) { return [Microsoft.Win32.RegistryView]::Registry64 }
    if ((Test-JsonInteger $View) -and $View -eq 32) { return [Microsoft.Win32.RegistryView]::Registry32 }
    throw "unknown registry view '$View'"
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
    # Registry names compare ordinally ignoring case; PowerShell's -eq would use the culture.
    if ($null -ne $Key) { foreach ($candidate in $Key.GetValueNames()) { if ([string]::Equals($candidate, $Name, [StringComparison]::OrdinalIgnoreCase)) { $stored = $candidate } } }
    if ($null -eq $stored) { return @{ exists = $false } }
    $kind = $Key.GetValueKind($stored)
    $raw = $Key.GetValue($stored, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    $type = 'none'
    switch ([string]$kind) {
        'String' { $type = 'string'; $data = [string]$raw }
        'ExpandString' { $type = 'expandstring'; $data = [string]$raw }
        'MultiString' { $type = 'multistring'; $data = [string[]]@($raw) }
        'DWord' { if ($raw -is [int32]) { $type = 'dword'; $data = Get-Unsigned32 $raw } }
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
        if ($raw -is [int32] -or $raw -is [int64]) { $bytes = [BitConverter]::GetBytes($raw) }
        $data = [Convert]::ToBase64String($bytes)
    }
    return @{ exists = $true; name = $stored; type = $type; data = $data; raw = $raw; kind = $kind; exact = $exact }
}

# One key that cannot be opened or read (access denied) is reported for that key, with 'error',
# not as a failure of the whole read.
function Read-KeyEntry($Address, $Base, [string]$Path) {
    # Keys set in the literal: $entry.values = ... would hit the read-only Values property.
    $entry = [ordered]@{ hive = (Get-Field $Address 'hive'); path = $Path; view = (Get-Field $Address 'view'); exists = $false; values = @(); subkeys = [string[]]@() }
    try {
        $key = $Base.OpenSubKey($Path, $false)
        if ($null -eq $key) { return $entry }
        try {
            $values = New-Object System.Collections.ArrayList
            foreach ($name in $key.GetValueNames()) {
                $state = Read-Value $key $name
                [void]$values.Add([ordered]@{ name = $name; type = $state.type; data = $state.data })
            }
            $entry['subkeys'] = [string[]]$key.GetSubKeyNames()
            $entry['values'] = $values.ToArray()
            $entry['exists'] = $true
        } finally { $key.Dispose() }
    } catch { $entry['error'] = Get-ErrorMessage $_ }
    return $entry
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
        # A key that exists but may not be opened is kept: Read-KeyEntry reports it with its error.
        try {
            $key = $Base.OpenSubKey($candidate, $false)
            if ($null -ne $key) { $key.Dispose(); [void]$found.Add($candidate) }
        } catch { [void]$found.Add($candidate) }
    }
    return , [string[]]$found.ToArray()
}

# A wildcard address's optional 'match': only the keys whose string value 'value' starts with one of
# 'prefixes' (ordinal, ignoring case) are answered, so a big key set (an MDM node cache) costs only its
# few matching keys. Data only: the prefixes are compared, never evaluated.
function Get-KeyMatch($Address) {
    $match = Get-Field $Address 'match'
    if ($null -eq $match) { return $null }
    if ($match -isnot [System.Management.Automation.PSCustomObject]) { throw "invalid 'match'" }
    $name = Get-Field $match 'value'
    $prefixes = Get-Field $match 'prefixes'
    if ($name -isnot [string] -or $prefixes -isnot [array] -or $prefixes.Count -eq 0) { throw "invalid 'match'" }
    foreach ($prefix in $prefixes) { if ($prefix -isnot [string] -or $prefix -eq '') { throw "invalid 'match'" } }
    return @{ valueName = $name; prefixes = $prefixes }
}

# A key that cannot be opened matches: its entry then reports the error, as any unreadable key.
function Test-KeyMatch($Base, [string]$Path, $Match) {
    if ($null -eq $Match) { return $true }
    try {
        $key = $Base.OpenSubKey($Path, $false)
        if ($null -eq $key) { return $false }
        try { $state = Read-Value $key $Match.valueName } finally { $key.Dispose() }
    } catch { return $true }
    if (-not $state.exists -or @('string', 'expandstring') -cnotcontains $state.type) { return $false }
    foreach ($prefix in $Match.prefixes) { if ($state.data.StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase)) { return $true } }
    return $false
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
                $match = Get-KeyMatch $address
                if ($path.Split('\') -cnotcontains '*') {
                    if ($null -ne $match) { throw "invalid 'match'" }
                    [void]$keys.Add((Read-KeyEntry $address $base $path))
                } else {
                    # One entry per existing key the pattern names (none when it names nothing).
                    foreach ($concrete in (Expand-KeyPath $base $path)) {
                        if (-not (Test-KeyMatch $base $concrete $match)) { continue }
                        $entry = Read-KeyEntry $address $base $concrete
                        if ($entry['exists'] -or $entry.Contains('error')) { $entry['pattern'] = $path; [void]$keys.Add($entry) }
                    }
                }
            } finally { $base.Dispose() }
        } catch { throw "keys[$i]: $(Get-ErrorMessage $_)" }
    }
    return [ordered]@{ op = 'read'; status = 'ok'; keys = $keys.ToArray() }
}

# region apply: everything from here to 'endregion apply' serves only the apply operation; the
# controller sends it only with a request that has one (protocol.shipped).
function Get-PublicState($State) {
    if (-not $State.exists) { return [ordered]@{ exists = $false } }
    if ($null -eq $State.type) { return [ordered]@{ exists = $true } }
    return [ordered]@{ exists = $true; type = $State.type; data = $State.data }
}

# ConvertFrom-Json (5.1) gives Int32, then Int64, then Decimal (above Int64, e.g. a large qword) for
# integers, Decimal for 1.0 and Double only with an exponent. Strings and booleans are not numbers.
function ConvertTo-Integer($Data, [string]$Type, [decimal]$Max) {
    # PowerShell 7 gives BigInteger above Int64 where 5.1 gives Decimal.
    if (-not ((Test-JsonInteger $Data) -or $Data -is [decimal] -or $Data -is [bigint])) { throw "invalid $Type data" }
    $number = [decimal]$Data
    if ($number -lt 0 -or $number -gt $Max -or $number -ne [decimal]::Truncate($number)) { throw "invalid $Type data" }
    return $number
}

# Protocol type and data -> .NET kind and value for SetValue, validating strictly (like the twin).
function ConvertTo-RegistryData($Type, $Data) {
    switch -CaseSensitive ([string]$Type) {
        { @('string', 'expandstring') -ccontains $_ } {
            if ($Data -isnot [string]) { throw "invalid $Type data" }
            return @{ kind = [Microsoft.Win32.RegistryValueKind]$Type; raw = $Data }
        }
        'multistring' {
            if ($Data -isnot [array] -or @($Data | Where-Object { $_ -isnot [string] }).Count -gt 0) { throw 'invalid multistring data' }
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
            if ($Data -isnot [string]) { throw "invalid $Type data" }
            return @{ kind = [Microsoft.Win32.RegistryValueKind]$Type; raw = [Convert]::FromBase64String($Data) }
        }
    }
    throw "unknown value type '$Type'"
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
        throw "unknown action '$action'"
    }
    $isValue = -not (Test-KeyAction $Change)
    if ($isValue -and (Get-Field $Change 'name') -isnot [string]) { throw "invalid value name" }
    if ($action -ceq 'set_value') { [void](ConvertTo-RegistryData (Get-Field $Change 'type') (Get-Field $Change 'data')) }
    # The rest of 'expect' is the controller's: a malformed one can only fail the precondition.
    if ((Get-Field (Get-Field $Change 'expect') 'exists') -isnot [bool]) { throw "'expect' must be an object with a boolean 'exists'" }
}

function Write-Backup([string]$Id, [int]$Keep, $Changes, $Snapshots) {
    for ($i = 0; $i -lt $Changes.Count; $i++) {
        $state = $Snapshots[$i].state
        if ($null -ne $state.kind -and -not $state.exact) {
            throw "cannot back up value '$($state.name)' of change $i exactly (registry type $([string]$state.kind) .NET cannot read as written)"
        }
    }
    $base = Open-BackupBase
    try {
        # Never overwrite (or, on failure, delete) another apply's backup.
        $existing = $base.OpenSubKey("$BackupRoot\$Id", $false)
        if ($null -ne $existing) { $existing.Dispose(); throw "backup $Id already exists under HKLM\$BackupRoot" }
        try {
            # Backups are ordered by a sequence the host keeps (NextSequence on the root), not by the
            # controller's clock; the first one (sequence 1) holds the state before this collection
            # ever wrote, and is marked Original: pruning never removes it.
            $root = $base.CreateSubKey($BackupRoot)
            try {
                $sequence = $root.GetValue('NextSequence', 1)
                $root.SetValue('NextSequence', [int]$sequence + 1, $Dw)
            } finally { $root.Dispose() }
            $backup = $base.CreateSubKey("$BackupRoot\$Id")
            try {
                $backup.SetValue('Sequence', [int]$sequence, $Dw)
                $backup.SetValue('Original', [int]($sequence -eq 1), $Dw)
                $backup.SetValue('Created', [DateTime]::UtcNow.ToString('o'), $Sz)
                $backup.SetValue('AgentVersion', $AgentVersion, $Sz)
                $backup.SetValue('Count', [int]$Changes.Count, $Dw)
                for ($i = 0; $i -lt $Changes.Count; $i++) {
                    $change = $Changes[$i]; $snapshot = $Snapshots[$i]; $state = $snapshot.state
                    # The stored name when the value existed, so a restore brings back its exact case.
                    $name = [string](Get-Field $change 'name')
                    if ($state.exists -and $null -ne $state.name) { $name = $state.name }
                    $item = $backup.CreateSubKey([string]$i)
                    try {
                        $item.SetValue('Hive', 'HKLM', $Sz)
                        $item.SetValue('Path', [string](Get-Field $change 'path'), $Sz)
                        $item.SetValue('Name', $name, $Sz)
                        $item.SetValue('Action', [string](Get-Field $change 'action'), $Sz)
                        $item.SetValue('View', [int](Get-Field $change 'view'), $Dw)
                        $item.SetValue('KeyExisted', [int]($null -eq $snapshot.firstMissingKey), $Dw)
                        $item.SetValue('ValueExisted', [int]($null -ne $state.kind), $Dw)
                        # The topmost key the apply creates: what a restore removes again, once empty.
                        if ($null -ne $snapshot.firstMissingKey) { $item.SetValue('FirstMissingKey', [string]$snapshot.firstMissingKey, $Sz) }
                        if ($null -ne $state.kind) { $item.SetValue('Data', $state.raw, $state.kind) }
                    } finally { $item.Dispose() }
                }
            } finally { $backup.Dispose() }
        } catch {
            $message = Get-ErrorMessage $_
            try { $base.DeleteSubKeyTree("$BackupRoot\$Id", $false) } catch { $message = "$message; removing the partial backup failed: $(Get-ErrorMessage $_)" }
            throw $message
        }
    } finally { $base.Dispose() }
}

function Open-BackupBase { return [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, [Microsoft.Win32.RegistryView]::Registry64) }

# Delete backups beyond the newest $Keep (by Sequence; backups without one are older than any with
# one, by name), never the Original one; return the ids deleted. Runs after a successful write, best
# effort: a failure is reported beside the write, never instead of it.
function Remove-OldBackups([int]$Keep) {
    $pruned = New-Object System.Collections.ArrayList
    $base = Open-BackupBase
    try {
        $root = $base.OpenSubKey($BackupRoot, $true)
        if ($null -eq $root) { return , $pruned.ToArray() }
        try {
            $order = New-Object System.Collections.ArrayList
            foreach ($name in $root.GetSubKeyNames()) {
                $backup = $root.OpenSubKey($name, $false)
                try { $sequence = $backup.GetValue('Sequence', 0); $original = $backup.GetValue('Original', 0) } finally { $backup.Dispose() }
                if ($original -ne 1) { [void]$order.Add(('{0:D10}|{1}' -f [int64]$sequence, $name)) }
            }
            $sorted = [string[]]$order.ToArray()
            [Array]::Sort($sorted, [StringComparer]::Ordinal)
            for ($i = 0; $i -lt ($sorted.Count - $Keep); $i++) {
                # After the 10-digit sequence and '|': the name as it is (a foreign key name may hold '|').
                $name = $sorted[$i].Substring(11)
                $root.DeleteSubKeyTree($name, $false)
                [void]$pruned.Add($name)
            }
        } finally { $root.Dispose() }
    } finally { $base.Dispose() }
    return , $pruned.ToArray()
}

# A failed write that was rolled back left the host as it was: its backup takes no slot.
function Remove-Backup([string]$Id) {
    $base = Open-BackupBase
    try { $base.DeleteSubKeyTree("$BackupRoot\$Id", $false) } finally { $base.Dispose() }
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
                # A key that did not exist was not deleted: nothing to bring back.
                if (-not $Snapshots[$i].state.exists) { continue }
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
    if ($changes.Count -eq 0) { return [ordered]@{ op = 'apply'; status = 'applied'; backup_id = $null; written = 0; pruned = @(); after = @() } }
    $backupSpec = Get-Field $Operation 'backup'
    $backupId = Get-Field $backupSpec 'id'
    # \z, not $: $ also matches before a final newline.
    if ($backupId -isnot [string] -or $backupId -cnotmatch '^[0-9A-Za-z._-]{1,64}\z') { throw "invalid backup id '$backupId'" }
    $keep = Get-Field $backupSpec 'keep'
    if (-not (Test-JsonInteger $keep) -or $keep -lt 1) { throw "invalid backup keep '$keep'" }
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
        $result = [ordered]@{ op = 'apply'; status = 'failed'; stage = 'write'; failed_index = $done; error = (Get-ErrorMessage $_); backup_id = $backupId }
        try { Undo-Changes $changes $snapshots $done; $result['rollback'] = [ordered]@{ ok = $true } }
        catch { $result['rollback'] = [ordered]@{ ok = $false; error = (Get-ErrorMessage $_) } }
        if ($result['rollback']['ok']) {
            try { Remove-Backup $backupId; $result['backup_id'] = $null } catch { $result['backup_error'] = Get-ErrorMessage $_ }
        }
        return $result
    }

    # 4. The write is done: from here on nothing may hide the backup id. Pruning and the read back
    # are best effort, their failures reported beside it ('prune_error', 'after_error').
    $result = [ordered]@{ op = 'apply'; status = 'applied'; backup_id = $backupId; written = $done; pruned = @(); after = $null }
    try { $result['pruned'] = Remove-OldBackups $keep } catch { $result['prune_error'] = Get-ErrorMessage $_ }
    try {
        $after = New-Object System.Collections.ArrayList
        foreach ($change in $changes) { [void]$after.Add((Read-After $change)) }
        $result['after'] = $after.ToArray()
    } catch { $result['after_error'] = Get-ErrorMessage $_ }
    return $result
}
# endregion apply

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

# The optional part each operation needs, and a function that part defines.
$PartOfOperation = @{ apply = 'apply'; wmi_query = 'wmi'; service = 'service'; sms_sysresuse_read = 'configmgr'; sms_sysresuse_write = 'configmgr'; file_read = 'file'; file_write = 'file'; tls_probe = 'tls' }
$PartFunction = @{ apply = 'Invoke-Apply'; wmi = 'Invoke-WmiQuery'; service = 'Invoke-Service'; configmgr = 'Invoke-SysResUseRead'; file = 'Invoke-FileRead'; tls = 'Invoke-TlsProbe' }

$response = [ordered]@{ protocol = $ProtocolVersion; agent_version = $AgentVersion; ok = $true; results = @() }
try {
    $protocol = Get-Field $Request 'protocol'
    if (-not (Test-JsonInteger $protocol) -or $protocol -ne $ProtocolVersion) {
        throw "unsupported protocol '$protocol': this agent speaks protocol $ProtocolVersion"
    }
    $version = Get-Field $Request 'agent_version'
    if ($version -isnot [string] -or $version -cne $AgentVersion) { throw "request is for agent version '$version'; this is agent $AgentVersion" }
    $operations = Get-List $Request 'operations'
    # An unknown operation is a request-level error: check them all before anything runs.
    for ($i = 0; $i -lt $operations.Count; $i++) {
        $name = Get-Field $operations[$i] 'op'
        if (@('read', 'apply', 'wmi_query', 'service', 'sms_sysresuse_read', 'sms_sysresuse_write', 'file_read', 'file_write', 'tls_probe') -cnotcontains $name) { throw "unknown operation '$name' at operations[$i] (expected read, apply, wmi_query, service, sms_sysresuse_read, sms_sysresuse_write, file_read, file_write or tls_probe)" }
        $part = $PartOfOperation[$name]
        if ($null -ne $part -and -not (Test-Path "function:\$($PartFunction[$part])")) { throw "operation '$name' at operations[$i] needs the agent part '$part', which the request did not carry" }
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
