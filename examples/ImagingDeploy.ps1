<#
.SYNOPSIS
    Images this machine's disk from a peer's multicast (or the server), as a deploy script would on every machine of a lab.
.DESCRIPTION
    Run the same script on every machine at about the same time. The first that finds nobody announcing the image
    downloads it and multicasts it to the others; the rest ask it. Each machine writes the verified image over
    -Target and prints where its bytes came from. Run it again after an interruption: verified blocks are kept.
.EXAMPLE
    ./ImagingDeploy.ps1 -Uri http://deploy/images/win11.img -Target /dev/nvme0n1 -Hash 3f1c...
#>
param(
    [Parameter(Mandatory)] [Uri] $Uri,
    [Parameter(Mandatory)] [string] $Target,
    [Parameter(Mandatory)] [ValidatePattern('^[0-9a-fA-F]{64}$')] [string] $Hash,
    [string] $NodePath,
    [string] $Interface
)
$ErrorActionPreference = 'Stop'
$common = @{}
if ($NodePath) { $common.NodePath = $NodePath }
$network = @{}
if ($Interface) { $network.Interface = $Interface }

$job = Receive-DiskImageMulticast @common @network -Uri $Uri -Target $Target -Hash $Hash -Force -AsJob
while ($job.State -eq 'Running') {
    Get-DiskImageMulticast @common -Hash $Hash | Where-Object Target | ForEach-Object {
        Write-Host ("{0,-10} {1,-11} {2,5}%  server {3,8:N1} MiB  multicast {4,8:N1} MiB" -f $_.Role, $_.State, $_.PercentComplete,
            ($_.BytesFromServer / 1MB), ($_.BytesFromMulticast / 1MB))
    }
    Start-Sleep -Seconds 5
}
$transfer = $job | Wait-Job | Receive-Job
$transfer
if ($transfer.State -ne 'Completed') { throw "Imaging $Target failed: $($transfer.Error)" }
