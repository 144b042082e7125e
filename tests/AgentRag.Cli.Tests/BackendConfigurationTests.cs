using AgentRag.TestKit;

namespace AgentRag.Cli.Tests;

/// <summary><c>AgentRag:Storage</c> and <c>AgentRag:Runtime</c>: an unknown backend stops every command at startup, naming the accepted values.</summary>
public sealed class BackendConfigurationTests
{
    [Fact]
    public async Task DocsList_UnknownRuntime_OneLineNamingTheAcceptedRuntimesAndTheConfigurationExitCode()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(["docs", "list", "--data", data.Path], new Dictionary<string, string?> { ["AgentRag__Runtime"] = "akka" });

        result.ExitCode.ShouldBe(3, result.ToString());
        result.StandardError.Trim().ShouldBe(
            "agentrag: Invalid configuration: AgentRag:Runtime is 'akka', which is not a known backend; accepted: embedded, orleans, dapr.", result.ToString());
        result.StandardOutput.ShouldBeEmpty();
        File.Exists(Path.Combine(data.Path, "agentrag.db")).ShouldBeFalse();
    }

    [Fact]
    public async Task DocsList_ExplicitDefaults_RunsAsWithoutThem()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(
            ["docs", "list", "--data", data.Path, "--json"],
            new Dictionary<string, string?> { ["AgentRag__Storage"] = "sqlite", ["AgentRag__Runtime"] = "embedded" });

        result.ExitCode.ShouldBe(0, result.ToString());
        result.StandardOutput.Trim().ShouldBe("""{"items":[],"total":0}""", result.ToString());
    }

    [Fact]
    public async Task Serve_UnknownStorage_ExitsWithAConfigurationErrorNamingTheAcceptedBackends()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(
            ["serve", "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--data", data.Path],
            new Dictionary<string, string?> { ["AgentRag__Storage"] = "mysql" },
            timeout: TimeSpan.FromMinutes(1));

        result.ExitCode.ShouldBe(3, result.ToString());
        result.StandardError.ShouldContain(
            "agentrag: invalid configuration: AgentRag:Storage is 'mysql', which is not a known backend; accepted: sqlite, postgres.", Case.Sensitive, result.ToString());
    }

    [Fact]
    public async Task Serve_PostgresWithoutAConnectionString_ExitsWithAConfigurationErrorNamingTheSetting()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(
            ["serve", "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--data", data.Path],
            new Dictionary<string, string?> { ["AgentRag__Storage"] = "postgres", ["ConnectionStrings__Postgres"] = "" },
            timeout: TimeSpan.FromMinutes(1));

        result.ExitCode.ShouldBe(3, result.ToString());
        result.StandardError.ShouldContain(
            "ConnectionStrings:Postgres is required when AgentRag:Storage is postgres (env ConnectionStrings__Postgres).", Case.Sensitive, result.ToString());
        File.Exists(Path.Combine(data.Path, "agentrag.db")).ShouldBeFalse();
    }

    [Fact]
    public async Task ServeCluster_WithoutARedisConnectionString_ExitsWithAConfigurationErrorNamingTheSetting()
    {
        using var data = new TempDirectory();

        var result = await CliProcess.RunAsync(
            ["serve", "--cluster", "--urls", $"http://127.0.0.1:{FreePort.Next()}", "--data", data.Path],
            new Dictionary<string, string?> { ["ConnectionStrings__Postgres"] = "Host=127.0.0.1;Port=1;Username=postgres", ["ConnectionStrings__Redis"] = "" },
            timeout: TimeSpan.FromMinutes(1));

        result.ExitCode.ShouldBe(3, result.ToString());
        result.StandardError.ShouldContain(
            "ConnectionStrings:Redis is required when AgentRag:Runtime is orleans (env ConnectionStrings__Redis).", Case.Sensitive, result.ToString());
    }
}
