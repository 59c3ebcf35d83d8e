# proxyfleet.windows host agent part 'file' (docs/dev/agent-protocol.md): the file_read and file_write operations.
# Sent before the core (_agent.ps1) only when a request uses it; it only defines functions.
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
        throw "invalid 'expect.sha256'"
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
    if ($content -isnot [string]) { throw "invalid 'content'" }
    $bytes = [Convert]::FromBase64String($content)
    $expect = Get-Field $Operation 'expect'
    Assert-FileExpect $expect
    $backupSpec = Get-Field $Operation 'backup'
    $backupId = Get-Field $backupSpec 'id'
    if ($backupId -isnot [string] -or $backupId -cnotmatch '^[0-9A-Za-z._-]{1,64}\z') { throw "invalid backup id '$backupId'" }
    $keep = Get-Field $backupSpec 'keep'
    if (-not (Test-JsonInteger $keep) -or $keep -lt 1) { throw "invalid backup keep '$keep'" }

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
