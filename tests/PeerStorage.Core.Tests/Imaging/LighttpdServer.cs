using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace PeerStorage.Core.Tests.Imaging;

/// <summary>
/// A real HTTP server for the image tests: lighttpd in the foreground on 127.0.0.1 and a free port, serving a
/// folder, with an access log of status, bytes sent and Range header per request. Killed on dispose.
/// </summary>
internal sealed class LighttpdServer : IDisposable
{
    private readonly Process _process;
    private readonly string _accessLog;
    private readonly string _scheme;

    /// <param name="certificate">With a certificate (and its key) the server speaks HTTPS only.</param>
    public LighttpdServer(string folder, bool rangeRequests = true, X509Certificate2? certificate = null)
    {
        DocumentRoot = Path.Combine(folder, "www");
        Directory.CreateDirectory(DocumentRoot);
        _accessLog = Path.Combine(folder, "access.log");
        Port = FreePort();
        var tls = "";
        if (certificate is not null)
        {
            File.WriteAllText(Path.Combine(folder, "cert.pem"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(folder, "key.pem"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            tls = $$"""
                server.modules += ("mod_openssl")
                ssl.engine = "enable"
                ssl.pemfile = "{{Path.Combine(folder, "cert.pem")}}"
                ssl.privkey = "{{Path.Combine(folder, "key.pem")}}"
                """;
        }
        _scheme = certificate is null ? "http" : "https";
        var config = Path.Combine(folder, "lighttpd.conf");
        File.WriteAllText(config, $$"""
            server.document-root = "{{DocumentRoot}}"
            server.bind = "127.0.0.1"
            server.port = {{Port}}
            server.errorlog = "{{Path.Combine(folder, "error.log")}}"
            server.modules = ("mod_accesslog")
            server.range-requests = "{{(rangeRequests ? "enable" : "disable")}}"
            accesslog.filename = "{{_accessLog}}"
            accesslog.format = "%s %b %{Range}i %U"
            {{tls}}
            """);
        var start = new ProcessStartInfo("lighttpd", ["-D", "-f", config]) { RedirectStandardOutput = true, RedirectStandardError = true };
        _process = Process.Start(start)!;
        WaitUntilListening();
    }

    public string DocumentRoot { get; }
    public int Port { get; }

    public Uri UriOf(string name) => new($"{_scheme}://127.0.0.1:{Port}/{name}");

    /// <summary>Stops the server gracefully (lighttpd writes its access log out then) and returns the log's lines.</summary>
    public IReadOnlyList<(int Status, long Bytes, string Range, string Path)> StopAndReadAccessLog()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) kill.WaitForExit();
            _process.WaitForExit(10_000);
        }
        return File.ReadAllLines(_accessLog).Select(line => line.Split(' ')).Select(f => (int.Parse(f[0]), long.Parse(f[1]), f[2], f[3])).ToList();
    }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(); } catch (InvalidOperationException) { }
        _process.WaitForExit(10_000);
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void WaitUntilListening()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"lighttpd exited ({_process.ExitCode}): {_process.StandardError.ReadToEnd()}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10)) { Thread.Sleep(50); }
        }
    }
}
