# proxyfleet.windows host agent part 'service' (docs/dev/agent-protocol.md): the service operation.
# Sent before the core (_agent.ps1) only when a request uses it; it only defines functions.
# A service by its exact name (the name is data: never a wildcard, never script text). 'restart'
# restarts it when it runs (or always, with only_if_running false). Stop() also stops the services
# that depend on it: those that were running are started again, so they are left as found. Every
# wait is bounded; a timeout says the state the service was left in.
$ServiceWaitSec = 60

# 'missing' (Win32 error 1060, ERROR_SERVICE_DOES_NOT_EXIST) or 'denied' (5, ERROR_ACCESS_DENIED)
# when ServiceController could not open the service; $null for anything else.
function Get-ServiceProblem($ErrorRecord) {
    $exception = $ErrorRecord.Exception
    while ($null -ne $exception) {
        if ($exception -is [System.ComponentModel.Win32Exception]) {
            if ($exception.NativeErrorCode -eq 1060) { return 'missing' }
            if ($exception.NativeErrorCode -eq 5) { return 'denied' }
        }
        $exception = $exception.InnerException
    }
    return $null
}

function Wait-ServiceStatus($Service, [string]$Wanted) {
    try { [void]$Service.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]$Wanted, [TimeSpan]::FromSeconds($ServiceWaitSec)) } catch {
        [void]$Service.Refresh()
        throw "service '$($Service.ServiceName)' did not reach $Wanted within $ServiceWaitSec s; it is left $([string]$Service.Status)"
    }
}

function Get-ServiceStates($Services) {
    $states = New-Object System.Collections.ArrayList
    foreach ($item in $Services) { [void]$item.Refresh(); [void]$states.Add([ordered]@{ name = $item.ServiceName; status = [string]$item.Status }) }
    return , $states.ToArray()
}

function Invoke-Service($Operation) {
    Import-Assembly 'System.ServiceProcess'
    $name = Get-Field $Operation 'name'
    if ($name -isnot [string] -or $name -cnotmatch '^[^\x00-\x1F\\/*?]{1,256}\z') { throw "invalid service name '$name'" }
    $action = Get-Field $Operation 'action'
    if (@('query', 'restart') -cnotcontains $action) { throw "unknown service action '$action'" }
    $service = New-Object System.ServiceProcess.ServiceController -ArgumentList $name
    try { $before = [string]$service.Status } catch {
        $problem = Get-ServiceProblem $_
        if ($problem -ceq 'missing') { return [ordered]@{ op = 'service'; status = 'missing'; name = $name } }
        if ($problem -ceq 'denied') { return [ordered]@{ op = 'service'; status = 'denied'; name = $name; error = "access to service '$name' is denied" } }
        throw
    }
    $onlyIfRunning = (Get-Field $Operation 'only_if_running') -ne $false
    $running = New-Object System.Collections.ArrayList
    $result = [ordered]@{ op = 'service'; status = 'ok'; name = $service.ServiceName; before = $before; after = $before; restarted = $false; dependents = @() }
    $restart = ($action -ceq 'restart') -and (@('Running', 'StartPending') -ccontains $before -or -not $onlyIfRunning)
    if ($restart) {
        foreach ($dependent in $service.DependentServices) { if ([string]$dependent.Status -ceq 'Running') { [void]$running.Add($dependent) } }
        try {
            if ($before -ceq 'StartPending') { Wait-ServiceStatus $service 'Running' }
            if ($before -cne 'Stopped') {
                if ($before -cne 'StopPending') { [void]$service.Stop() }
                Wait-ServiceStatus $service 'Stopped'
            }
            [void]$service.Start()
            Wait-ServiceStatus $service 'Running'
            $result['restarted'] = $true
            foreach ($dependent in $running) {
                [void]$dependent.Refresh()
                if ([string]$dependent.Status -ceq 'Stopped') { [void]$dependent.Start() }
                Wait-ServiceStatus $dependent 'Running'
            }
        } catch { $result['status'] = 'failed'; $result['error'] = Get-ErrorMessage $_ }
    }
    [void]$service.Refresh()
    $result['after'] = [string]$service.Status
    $result['dependents'] = Get-ServiceStates $running
    return $result
}
