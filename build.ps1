#Requires -Version 7.6
<#
.SYNOPSIS
    Builds the PeerStorage module folder, runs the tests and packs the module.
.DESCRIPTION
    The same steps as the README's commands, for machines that have pwsh:
      1. dotnet build        -> out/PeerStorage (the importable module folder, laid out by the build)
      2. dotnet test         -> every test project in PeerStorage.slnx (skip with -NoTest)
      3. dotnet pack         -> out/packages/PeerStorage.<version>.nupkg (with -Package)
.EXAMPLE
    ./build.ps1 -Package
    Builds in Release, runs the tests and writes the module package.
.EXAMPLE
    ./build.ps1 -NoTest; Import-Module ./out/PeerStorage
    Builds and imports the module into this session.
#>
[CmdletBinding()]
param(
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [switch] $NoTest,
    [switch] $Package
)

$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

Invoke-Dotnet build PeerStorage.slnx --configuration $Configuration
Test-ModuleManifest -Path (Join-Path $PSScriptRoot 'out/PeerStorage/PeerStorage.psd1') | Out-Null

if (-not $NoTest) {
    Invoke-Dotnet test PeerStorage.slnx --configuration $Configuration --no-build
}

if ($Package) {
    Invoke-Dotnet pack build/ModulePackage --configuration $Configuration --output (Join-Path $PSScriptRoot 'out/packages')
    Get-ChildItem (Join-Path $PSScriptRoot 'out/packages/*.nupkg')
}
