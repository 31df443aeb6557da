<#
.SYNOPSIS
    PeerStorage in one minute: create a node, start it, check it, stop it, and clean up.

.DESCRIPTION
    Everything happens in a temporary node home that the script removes at the end, so it is safe to run on
    any machine. Without pwsh, through the host that ships with the repository (it imports the module built
    into out/PeerStorage):
        dotnet run --project src/PeerStorage.Shell -- examples/Quickstart.ps1
    With pwsh 7.6+:
        pwsh -Command 'Import-Module ./out/PeerStorage; ./examples/Quickstart.ps1'

    Each step pipes to Out-Host so its table appears before the next step's heading (PowerShell holds the
    first table rows back briefly to size the columns).

.PARAMETER Name
    The name of the demonstration node.
#>
[CmdletBinding()]
param(
    [string]$Name = 'quickstart'
)

$ErrorActionPreference = 'Stop'

# A throwaway demonstration node has no business announcing itself on your network: keep its mDNS on this
# machine's loopback interface. (A real node announces on every interface; PEERSTORAGE_MDNS=off turns it off.)
if (-not $env:PEERSTORAGE_MDNS) { $env:PEERSTORAGE_MDNS = 'loopback' }

function Show-Step([string]$Text) {
    Write-Host ''
    Write-Host "== $Text" -ForegroundColor Cyan
}

$nodePath = [System.IO.Path]::Combine(
    [System.IO.Path]::GetTempPath(),
    'peerstorage-quickstart-' + [guid]::NewGuid().ToString('n').Substring(0, 8))

try {
    Show-Step "Create a node home in $nodePath (-Port 0: any free port)"
    Initialize-PeerNode -NodePath $nodePath -Name $Name -Port 0 | Out-Host

    Show-Step 'Start the node: it runs as a PowerShell job in this session'
    $job = Start-PeerNode -NodePath $nodePath

    # The listeners come up in the background; wait (at most 30 s) until the node reports Running.
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ((Get-PeerNode -NodePath $nodePath).State -ne 'Running') {
        if ([DateTime]::UtcNow -gt $deadline) {
            throw "The node did not reach the Running state within 30 seconds (job state: $($job.State))."
        }
        Start-Sleep -Milliseconds 200
    }
    Get-PeerNode -NodePath $nodePath | Out-Host

    Show-Step 'The node job, as Get-Job sees it'
    Get-Job -Id $job.Id | Out-Host

    Show-Step 'Check the node: identity, state database, listener'
    Test-PeerNode -NodePath $nodePath | Out-Host

    Show-Step 'Stop the node'
    Stop-PeerNode -NodePath $nodePath
    Get-PeerNode -NodePath $nodePath | Out-Host

    Show-Step 'Work the node recorded (durable run records in its state database)'
    Get-PeerJob -NodePath $nodePath | Out-Host
}
finally {
    # Clean up even when a step failed: stop a node left running, then delete the temporary home.
    if ([System.IO.Directory]::Exists($nodePath)) {
        if ((Get-PeerNode -NodePath $nodePath -ErrorAction SilentlyContinue).State -eq 'Running') {
            Stop-PeerNode -NodePath $nodePath -ErrorAction Continue
        }
        Remove-PeerNode -NodePath $nodePath -Force -Confirm:$false
        Write-Host ''
        Write-Host "Removed $nodePath"
    }
}
