<#
.SYNOPSIS
    Leased hidden storage in two minutes: one node lends space, another leases it, stores a file and reads it back.

.DESCRIPTION
    Two throwaway nodes on this machine, in temporary homes the script removes at the end: "lender" sets aside a
    hidden vault and offers part of it until a time; "borrower" leases space there, stores a file (encrypted before
    it leaves), reads it back, checks the hash, and releases the lease (the lender wipes it). Run it without pwsh:
        dotnet run --project src/PeerStorage.Shell -- examples/LeasedStorage.ps1
    With pwsh 7.6+:
        pwsh -Command 'Import-Module ./out/PeerStorage; ./examples/LeasedStorage.ps1'

.PARAMETER FileSize
    Bytes of the demonstration file.
#>
[CmdletBinding()]
param(
    [long]$FileSize = 4MB
)

$ErrorActionPreference = 'Stop'
# Throwaway nodes keep mDNS on this machine's loopback interface (see Quickstart.ps1).
if (-not $env:PEERSTORAGE_MDNS) { $env:PEERSTORAGE_MDNS = 'loopback' }

function Show-Step([string]$Text) {
    Write-Host ''
    Write-Host "== $Text" -ForegroundColor Cyan
}

$root = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'peerstorage-leases-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
$lender = [System.IO.Path]::Combine($root, 'lender')
$borrower = [System.IO.Path]::Combine($root, 'borrower')
[System.IO.Directory]::CreateDirectory($root) | Out-Null

try {
    Show-Step 'Two nodes: the lender runs (as a job in this session), the borrower only uses cmdlets'
    $lenderNode = Initialize-PeerNode -NodePath $lender -Name lender -Port 0
    $borrowerNode = Initialize-PeerNode -NodePath $borrower -Name borrower -Port 0
    $null = Start-PeerNode -NodePath $lender
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (($lenderNode = Get-PeerNode -NodePath $lender).State -ne 'Running') {
        if ([DateTime]::UtcNow -gt $deadline) { throw 'The lender did not start within 30 seconds.' }
        Start-Sleep -Milliseconds 200
    }
    # Each trusts the other by node id (a fleet certificate does the same for a whole fleet).
    $null = $lenderNode | Add-PeerTrust -NodePath $borrower -Address "127.0.0.1:$($lenderNode.Port)"
    $null = $borrowerNode | Add-PeerTrust -NodePath $lender
    @($lenderNode, $borrowerNode) | Out-Host

    Show-Step 'The lender sets aside a hidden vault and offers 32 MB of it for a day'
    New-HiddenStoragePartition -NodePath $lender -Size 64MB -Confirm:$false | Out-Host
    Publish-Availability -NodePath $lender -Size 32MB -Until ([DateTimeOffset]::Now.AddDays(1)) | Out-Host

    Show-Step 'The borrower asks the lender for its offers and leases 8 MB for 12 hours'
    $lease = Get-Availability -NodePath $borrower -NodeId $lenderNode.NodeId |
        New-PeerLease -NodePath $borrower -Size 8MB -Until ([DateTimeOffset]::Now.AddHours(12))
    $lease | Out-Host

    Show-Step "It stores a $FileSize-byte file (encrypted with the lease's key before it leaves) and reads it back"
    $source = [System.IO.Path]::Combine($root, 'inventory.bin')
    $bytes = [byte[]]::new($FileSize)
    [System.Random]::new(7).NextBytes($bytes)
    [System.IO.File]::WriteAllBytes($source, $bytes)
    Write-PeerLeaseObject -NodePath $borrower -LeaseId $lease.LeaseId -Path $source | Out-Host
    $restoreDir = [System.IO.Directory]::CreateDirectory([System.IO.Path]::Combine($root, 'restore')).FullName
    $restored = Get-PeerLeaseObject -NodePath $borrower -LeaseId $lease.LeaseId |
        Read-PeerLeaseObject -NodePath $borrower -Destination $restoreDir
    $sha = [System.Security.Cryptography.SHA256]
    $same = [Convert]::ToHexString($sha::HashData([System.IO.File]::ReadAllBytes($source))) -eq
            [Convert]::ToHexString($sha::HashData([System.IO.File]::ReadAllBytes($restored.Path)))
    if (-not $same) { throw 'The file read back differs from the one stored.' }
    Write-Host "Read back $($restored.Length) bytes into $($restored.Path): identical (SHA-256)"

    Show-Step 'Both sides of the lease'
    Get-PeerLease -NodePath $borrower | Out-Host
    Get-PeerLease -NodePath $lender -Hosted | Out-Host

    Show-Step 'The borrower releases the lease: the lender wipes its space, the borrower destroys its key'
    Remove-PeerLease -NodePath $borrower -LeaseId $lease.LeaseId -Confirm:$false
    Get-PeerLease -NodePath $lender -Hosted | Out-Host
}
finally {
    foreach ($home_ in @($lender, $borrower)) {
        if ([System.IO.Directory]::Exists($home_)) {
            if ((Get-PeerNode -NodePath $home_ -ErrorAction SilentlyContinue).State -eq 'Running') { Stop-PeerNode -NodePath $home_ -ErrorAction Continue }
            Remove-PeerNode -NodePath $home_ -Force -Confirm:$false
        }
    }
    if ([System.IO.Directory]::Exists($root)) { [System.IO.Directory]::Delete($root, $true) }
    Write-Host ''
    Write-Host "Removed $root"
}
