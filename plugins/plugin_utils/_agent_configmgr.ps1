# proxyfleet.windows host agent part 'configmgr' (docs/dev/agent-protocol.md): the sms_sysresuse_read and sms_sysresuse_write operations.
# Sent before the core (_agent.ps1) only when a request uses it; it only defines functions.
# ---- ConfigMgr site control data: SMS_SCI_SysResUse embedded properties through the SMS Provider ----
# System.Management (not the CIM cmdlets) because site control changes need the session handle in the
# WMI context of every call (GetSessionHandle, RefreshSCF, Put, CommitSCF, ReleaseSessionHandle).
# No query text: instances are enumerated and filtered here.
$SmsSiteCodePattern = '^[A-Za-z0-9]{3}\z'
$SmsServerPattern = '^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})\z'
$SmsNamePattern = '^[A-Za-z0-9][A-Za-z0-9 _.-]{0,127}\z'

function Assert-SiteCode($SiteCode) {
    if ($SiteCode -isnot [string] -or $SiteCode -cnotmatch $SmsSiteCodePattern) { throw "invalid site code '$SiteCode'" }
    return $SiteCode.ToUpperInvariant()
}

function Assert-Server($Server) {
    if ($Server -isnot [string] -or $Server -cnotmatch $SmsServerPattern) { throw "invalid server name '$Server'" }
    return $Server
}

function Assert-SmsName($Name, [string]$What) {
    if ($Name -isnot [string] -or $Name -cnotmatch $SmsNamePattern) { throw "invalid $What '$Name'" }
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
    # One SMS_ProviderLocation row per SMS Provider: a site with several providers has several rows
    # with the same site code. Only several different site codes are ambiguous.
    $codes = New-Object System.Collections.ArrayList
    foreach ($location in (New-WmiClass $scope 'SMS_ProviderLocation' $null).GetInstances()) {
        $code = ([string]$location['SiteCode']).ToUpperInvariant()
        if ($location['ProviderForLocalSite'] -eq $true -and -not $codes.Contains($code)) { [void]$codes.Add($code) }
    }
    if ($codes.Count -ne 1) { throw "root\SMS names $($codes.Count) sites with ProviderForLocalSite = true ($($codes -join ', ')): give the site code" }
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
    try { Invoke-ScfMethod $session 'RefreshSCF' 'SiteCode' $SiteCode } catch { $released = Close-ScfSession $session; throw }
    return $session
}

# Release the session; returns the error message instead of throwing: a failed release must not turn a
# read, or a write already committed, into an error (the handle expires with the provider's session).
function Close-ScfSession($Session) {
    try {
        $parameters = $Session.scf.GetMethodParameters('ReleaseSessionHandle')
        $parameters['SessionHandle'] = $Session.handle
        $out = $Session.scf.InvokeMethod('ReleaseSessionHandle', $parameters, $null)
        return $null
    } catch { return Get-ErrorMessage $_ }
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
    Import-Assembly 'System.Management'
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
    } finally { $released = Close-ScfSession $session }
    return [ordered]@{ op = 'sms_sysresuse_read'; status = 'ok'; site_code = $siteCode; server = $server; instances = $instances.ToArray() }
}

function Assert-PropFields($Fields, [string]$Where) {
    $value = Get-Field $Fields 'value'
    if ($null -ne $value -and -not ((Test-JsonInteger $value) -and $value -ge 0 -and $value -le [uint32]::MaxValue)) {
        throw "invalid $Where.value"
    }
    foreach ($name in @('value1', 'value2')) {
        $text = Get-Field $Fields $name
        if ($null -ne $text -and $text -isnot [string]) { throw "invalid $Where.$name" }
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
        if ($set -isnot [System.Management.Automation.PSCustomObject]) { throw "invalid 'set'" }
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
    Import-Assembly 'System.Management'
    $siteCode = Assert-SiteCode (Get-Field $Operation 'site_code')
    $server = Assert-Server (Get-Field $Operation 'server')
    $changes = Get-List $Operation 'changes'
    for ($i = 0; $i -lt $changes.Count; $i++) {
        try { Assert-PropChange $changes[$i] } catch { throw "changes[$i]: $(Get-ErrorMessage $_)" }
    }
    $result = $null
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
        # 4. Committed: from here on nothing turns the write into an error. The read back from a
        # refreshed copy is best effort ('after_error'), and so is the release ('release_error').
        $result = [ordered]@{ op = 'sms_sysresuse_write'; status = 'written'; site_code = $siteCode; server = $server; committed = $true; after = $null }
        try {
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
            $result['after'] = $after.ToArray()
        } catch { $result['after_error'] = Get-ErrorMessage $_ }
        return $result
    } finally {
        $released = Close-ScfSession $session
        # $result is the dictionary being returned: the note reaches the caller.
        if ($null -ne $released -and $null -ne $result) { $result['release_error'] = $released }
    }
}
