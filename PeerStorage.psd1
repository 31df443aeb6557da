@{
    RootModule             = 'PeerStorage.PowerShell.dll'
    ModuleVersion          = '0.1.0'
    CompatiblePSEditions   = @('Core')
    PowerShellVersion      = '7.6'
    GUID                   = '6f2f4c47-5a0e-4f3e-9d63-2b7c1c0f5a11'
    Author                 = 'PeerStorage contributors'
    CompanyName            = 'PeerStorage'
    Copyright              = '(c) PeerStorage contributors. All rights reserved.'
    Description            = 'Peer-to-peer storage for a fleet of ordinary computers: leased hidden storage, peer backup, sync through a clearing house, background swarm sharing and multicast disk imaging.'
    RequiredAssemblies     = @('PeerStorage.Model.dll')
    FormatsToProcess       = @('PeerStorage.Format.ps1xml')
    TypesToProcess         = @('PeerStorage.Types.ps1xml')
    CmdletsToExport        = @(
        'Initialize-PeerNode'
        'Get-PeerNode'
        'Set-PeerNode'
        'Remove-PeerNode'
        'Start-PeerNode'
        'Stop-PeerNode'
        'Test-PeerNode'
        'Get-PeerJob'
        'New-PeerFleet'
        'Get-PeerFleet'
        'New-PeerCertificateRequest'
        'Approve-PeerCertificateRequest'
        'Install-PeerCertificate'
        'Revoke-PeerNode'
        'Add-PeerTrust'
        'Get-PeerTrust'
        'Remove-PeerTrust'
        'Test-PeerConnection'
        'Resolve-PeerNode'
        'Start-PeerDirectory'
        'Stop-PeerDirectory'
        'Get-PeerDirectoryEntry'
        'Find-PeerNode'
        'New-HiddenStoragePartition'
        'Get-HiddenStoragePartition'
        'Remove-HiddenStoragePartition'
        'Publish-Availability'
        'Get-Availability'
        'Unpublish-Availability'
        'New-PeerLease'
        'Get-PeerLease'
        'Update-PeerLease'
        'Remove-PeerLease'
        'Write-PeerLeaseObject'
        'Read-PeerLeaseObject'
        'Get-PeerLeaseObject'
        'Remove-PeerLeaseObject'
        'New-DiskImageManifest'
        'Receive-DiskImageMulticast'
        'Send-DiskImageMulticast'
        'Get-DiskImageMulticast'
        'Stop-DiskImageMulticast'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    HelpInfoURI            = 'https://peerstorage.invalid/help/'
    PrivateData            = @{
        PSData = @{
            Tags         = @('PeerToPeer', 'Storage', 'Backup', 'Sync', 'Multicast', 'Imaging', 'Fleet', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://peerstorage.invalid/license'
            ProjectUri   = 'https://peerstorage.invalid/'
            ReleaseNotes = 'Foundation: node home, identity, state database, node runtime, job runner and PowerShell jobs.'
        }
    }
}
