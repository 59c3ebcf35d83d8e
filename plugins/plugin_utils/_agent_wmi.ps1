# proxyfleet.windows host agent part 'wmi' (docs/dev/agent-protocol.md): the wmi_query operation.
# Sent before the core (_agent.ps1) only when a request uses it; it only defines functions.
# \z, not $: $ also matches before a final newline.
$WmiNamePattern = '^[A-Za-z0-9_]+\z'
$WmiNamespacePattern = '^[A-Za-z0-9_]+(\\[A-Za-z0-9_]+)*\z'
# The user hives a per-user query covers: accounts (S-1-5-21-...) and Microsoft Entra ID users (S-1-12-1-...).
$WmiUserSidPattern = '^S-1-(5-21|12-1)(-[0-9]+)+\z'
$WmiMaxUsers = 256

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
    if ($null -eq $Value -or $Value -is [string] -or $Value -is [bool] -or (Test-JsonInteger $Value)) { return $true }
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

# The SIDs of the user hives loaded under HKU, in ordinal order (read from the host, never from the request).
function Get-LoadedUserSids {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::Users, [Microsoft.Win32.RegistryView]::Registry64)
    try { $names = [string[]]$base.GetSubKeyNames() } finally { $base.Dispose() }
    [Array]::Sort($names, [StringComparer]::Ordinal)
    $sids = New-Object System.Collections.ArrayList
    foreach ($name in $names) { if ($name -cmatch $WmiUserSidPattern) { [void]$sids.Add($name) } }
    return , [string[]]$sids.ToArray()
}

# Instances of one class in one namespace, only the listed properties, kept when every filter matches.
function Get-WmiInstances([string]$namespace, [string]$class, $Properties, $Filters) {
    try {
        $found = @(Get-CimInstance -Namespace $namespace -ClassName $class -OperationTimeoutSec $WmiTimeoutSec -ErrorAction Stop)
    } catch {
        $missing = Get-WmiMissing $_
        if ($null -eq $missing) { throw }
        return @{ instances = @(); missing = $missing }
    }
    $instances = New-Object System.Collections.ArrayList
    foreach ($instance in $found) {
        $row = Get-WmiRow $instance $Properties
        $keep = $true
        foreach ($filter in $Filters) { if (-not (Test-WmiEqual $row[$filter.property] $filter.wanted)) { $keep = $false } }
        if ($keep) { [void]$instances.Add($row) }
    }
    return @{ instances = $instances.ToArray(); missing = $null }
}

# Read-only: instances of one class, only the listed properties, filtered in PowerShell by 'where'. With
# 'per_user', 'namespace' is a prefix: the class is read in '<namespace>\<SID with _ for ->' for each loaded
# user hive (at most 'max_users' of them; 'not_queried' counts the rest), as RSoP names a user's namespace.
function Invoke-WmiQuery($Operation) {
    $namespace = Get-Field $Operation 'namespace'
    if ($namespace -isnot [string] -or $namespace -cnotmatch $WmiNamespacePattern) { throw "invalid namespace '$namespace'" }
    $class = Get-Field $Operation 'class'
    if ($class -isnot [string] -or $class -cnotmatch $WmiNamePattern) { throw "invalid class name '$class'" }
    $properties = Get-Field $Operation 'properties'
    if ($properties -isnot [array] -or $properties.Count -eq 0) { throw "invalid 'properties'" }
    $seen = @{}
    for ($i = 0; $i -lt $properties.Count; $i++) {
        $name = $properties[$i]
        if ($name -isnot [string] -or $name -cnotmatch $WmiNamePattern) { throw "invalid properties[$i]" }
        if ($seen.ContainsKey($name)) { throw "duplicate properties[$i]" }
        $seen[$name] = $true
    }
    $filters = New-Object System.Collections.ArrayList
    $where = Get-Field $Operation 'where'
    if ($null -ne $where) {
        if ($where -isnot [System.Management.Automation.PSCustomObject]) { throw "invalid 'where'" }
        foreach ($field in $where.PSObject.Properties) {
            $listed = $null
            foreach ($name in $properties) { if ($name -eq $field.Name) { $listed = $name } }
            if ($null -eq $listed) { throw "invalid 'where' property '$($field.Name)'" }
            if (-not (Test-WmiFilterValue $field.Value)) { throw "invalid 'where' value of '$($field.Name)'" }
            [void]$filters.Add(@{ property = $listed; wanted = $field.Value })
        }
    }
    $perUser = Get-Field $Operation 'per_user'
    if ($null -ne $perUser -and $perUser -isnot [bool]) { throw "invalid 'per_user'" }
    if ($perUser -eq $true) { return Invoke-WmiPerUser $Operation $namespace $class $properties $filters.ToArray() }
    $found = Get-WmiInstances $namespace $class $properties $filters.ToArray()
    $result = [ordered]@{ op = 'wmi_query'; status = 'ok'; instances = $found.instances }
    if ($null -ne $found.missing) { $result['missing'] = $found.missing }
    return $result
}

function Invoke-WmiPerUser($Operation, [string]$Prefix, [string]$Class, $Properties, $Filters) {
    $max = Get-Field $Operation 'max_users'
    if (-not (Test-JsonInteger $max) -or $max -lt 1 -or $max -gt $WmiMaxUsers) { throw "invalid 'max_users'" }
    $sids = Get-LoadedUserSids
    $users = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $sids.Count -and $i -lt $max; $i++) {
        $sid = $sids[$i]
        $found = Get-WmiInstances "$Prefix\$($sid -replace '-', '_')" $Class $Properties $Filters
        $user = [ordered]@{ sid = $sid; instances = $found.instances }
        if ($null -ne $found.missing) { $user['missing'] = $found.missing }
        [void]$users.Add($user)
    }
    $skipped = $sids.Count - $max
    if ($skipped -lt 0) { $skipped = 0 }
    return [ordered]@{ op = 'wmi_query'; status = 'ok'; users = $users.ToArray(); not_queried = $skipped }
}
