using System.Text.Json;
using PeerStorage.Agent.Tests.Infrastructure;

namespace PeerStorage.Agent.Tests;

/// <summary>Settings come from a JSON file, PEERSTORAGE_* variables and the command line, in rising precedence.</summary>
public sealed class ConfigurationTests
{
    [Fact]
    public async Task A_config_file_names_the_home_port_and_name()
    {
        using var home = TempNodeHome.Create("alpha");
        var port = FreePort.Pick();
        var config = WriteConfig(home.FileBeside("agent.json"), new { NodePath = home.Path, Port = port, Name = "from-file" });
        using var agent = AgentProcess.Start(["--Config", config]);

        var reply = await agent.WaitForPingAsync(port);

        Assert.Equal(home.NodeId, reply.NodeId);
        Assert.Equal("from-file", reply.Name);
        Assert.Equal(0, await agent.StopAsync());
    }

    [Fact]
    public async Task The_directory_role_and_address_from_the_config_reach_the_node_settings()
    {
        using var home = TempNodeHome.Create("alpha");
        var port = FreePort.Pick();
        var config = WriteConfig(home.FileBeside("agent.json"), new { NodePath = home.Path, Port = port, DirectoryRole = true, DirectoryAddress = "127.0.0.1:9" });
        using var agent = AgentProcess.Start(["--Config", config]);
        await agent.WaitForPingAsync(port);

        using (var node = PeerStorage.Core.Node.NodeHome.Open(home.Path, "Test"))
        {
            Assert.Equal("on", node.Settings.Get(PeerStorage.Core.State.SettingKeys.DirectoryRole));
            Assert.Equal("127.0.0.1:9", node.Settings.Get(PeerStorage.Core.State.SettingKeys.DirectoryAddress));
        }
        Assert.Equal(0, await agent.StopAsync());
    }

    [Fact]
    public async Task The_command_line_overrides_the_config_file()
    {
        using var home = TempNodeHome.Create("alpha");
        var filePort = FreePort.Pick();
        var cliPort = FreePort.Pick();
        var config = WriteConfig(home.FileBeside("agent.json"), new { NodePath = home.Path, Port = filePort, Name = "from-file" });
        using var agent = AgentProcess.Start(["--config", config, "--Port", cliPort.ToString(), "--Name=from-cli"]);

        var reply = await agent.WaitForPingAsync(cliPort);

        Assert.Equal("from-cli", reply.Name);
        await Assert.ThrowsAsync<PeerStorageException>(() => AgentProcess.PingOnceAsync(filePort));
        Assert.Equal(0, await agent.StopAsync());
    }

    [Fact]
    public async Task The_agent_json_in_the_node_home_is_read_by_default()
    {
        using var home = TempNodeHome.Create("alpha");
        var port = FreePort.Pick();
        WriteConfig(Path.Combine(home.Path, "agent.json"), new { Port = port, Name = "home-file" });
        using var agent = AgentProcess.Start(["--NodePath", home.Path]);

        var reply = await agent.WaitForPingAsync(port);

        Assert.Equal("home-file", reply.Name);
        Assert.Contains(Path.Combine(home.Path, "agent.json"), agent.StandardError);
        Assert.Equal(0, await agent.StopAsync());
    }

    [Fact]
    public async Task Environment_variables_override_the_file_and_the_command_line_overrides_both()
    {
        using var home = TempNodeHome.Create("alpha");
        var filePort = FreePort.Pick();
        var envPort = FreePort.Pick();
        var config = WriteConfig(home.FileBeside("agent.json"), new { Port = filePort, Name = "from-file" });
        var environment = new Dictionary<string, string>
        {
            ["PEERSTORAGE_HOME"] = home.Path, // the engine's own variable names the home when nothing else does
            ["PEERSTORAGE_PORT"] = envPort.ToString(),
            ["PEERSTORAGE_NAME"] = "from-env",
        };
        using var agent = AgentProcess.Start(["--Config", config, "--Name", "from-cli"], environment);

        var reply = await agent.WaitForPingAsync(envPort);

        Assert.Equal(home.NodeId, reply.NodeId);
        Assert.Equal("from-cli", reply.Name);
        Assert.Equal(0, await agent.StopAsync());
    }

    [Theory]
    [InlineData("--Prot", "47620", "Unknown option '--Prot'")]
    [InlineData("--Port", "not-a-port", "Port 'not-a-port' is not a number")]
    [InlineData("--Port", "70000", "Port '70000' is not a number between 0 and 65535")]
    [InlineData("--Config", "/nonexistent/peerstorage/agent.json", "The configuration file '/nonexistent/peerstorage/agent.json' does not exist")]
    public async Task Invalid_options_exit_2_with_a_clear_message(string option, string value, string message)
    {
        using var agent = AgentProcess.Start([option, value]);

        var exitCode = await agent.WaitForExitAsync(AgentProcess.StartTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, agent.StandardError);
    }

    [Fact]
    public async Task A_malformed_config_file_exits_2_naming_the_file()
    {
        using var home = TempNodeHome.Create("alpha");
        var config = home.FileBeside("broken.json");
        File.WriteAllText(config, "{ \"Port\": ");
        using var agent = AgentProcess.Start(["--Config", config, "--NodePath", home.Path]);

        var exitCode = await agent.WaitForExitAsync(AgentProcess.StartTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("broken.json", agent.StandardError);
    }

    [Fact]
    public async Task Help_prints_usage_and_exits_0()
    {
        using var agent = AgentProcess.Start(["--help"]);

        Assert.Equal(0, await agent.WaitForExitAsync(AgentProcess.StartTimeout));
        Assert.Contains("--NodePath", agent.StandardOutput);
        Assert.Contains("--Initialize", agent.StandardOutput);
    }

    private static string WriteConfig(string path, object settings)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(settings));
        return path;
    }
}
