using AgentRag.Mcp.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Mcp.Tests;

/// <summary><c>AgentRag:Mcp</c> settings: binding from configuration and precise validation messages.</summary>
public sealed class ExternalToolsOptionsTests
{
    [Fact]
    public void Bind_StdioAndHttpServers_ReadsCommandArgsEnvUrlHeadersAndToolPolicies()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["AgentRag:Mcp:Servers:files:Command"] = "npx",
            ["AgentRag:Mcp:Servers:files:Args:0"] = "-y",
            ["AgentRag:Mcp:Servers:files:Args:1"] = "@modelcontextprotocol/server-filesystem",
            ["AgentRag:Mcp:Servers:files:Env:ROOT"] = "/srv",
            ["AgentRag:Mcp:Servers:files:Tools:read_file:SideEffects"] = "false",
            ["AgentRag:Mcp:Servers:files:Tools:write_file:Timeout"] = "00:00:10",
            ["AgentRag:Mcp:Servers:crm:Url"] = "https://crm.example.com/mcp",
            ["AgentRag:Mcp:Servers:crm:Headers:Authorization"] = "Bearer t",
            ["AgentRag:Mcp:Servers:crm:Tools:find_customer:SideEffects"] = "false",
        });

        var files = options.Servers["files"];
        files.Args.ShouldBe(["-y", "@modelcontextprotocol/server-filesystem"]);
        files.Env["ROOT"].ShouldBe("/srv");
        files.Tools["read_file"].SideEffects.ShouldBeFalse();
        files.Tools["write_file"].SideEffects.ShouldBeTrue(); // unstated: assumed to act on the world
        files.Tools["write_file"].Timeout.ShouldBe(TimeSpan.FromSeconds(10));
        options.Servers["crm"].Headers["Authorization"].ShouldBe("Bearer t");
        new ExternalToolsOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData("AgentRag:Mcp:Servers:bad:Url", "ftp://x/mcp", "AgentRag:Mcp:Servers:bad:Url 'ftp://x/mcp' is not an absolute http or https URL.")]
    [InlineData("AgentRag:Mcp:Servers:bad:Command", "tool", "AgentRag:Mcp:Servers:bad: set exactly one of Command (a stdio server) or Url (an HTTP server).")]
    [InlineData("AgentRag:Mcp:ToolTimeout", "00:00:00", "AgentRag:Mcp:ToolTimeout must be a positive duration such as 00:00:30; it was 00:00:00.")]
    [InlineData("AgentRag:Mcp:Servers:bad:Tools:ok:Timeout", "-00:00:01", "AgentRag:Mcp:Servers:bad:Tools:ok:Timeout must be a positive duration")]
    public void Validate_BadSetting_FailsNamingIt(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentRag:Mcp:Servers:bad:Url"] = "http://localhost:9/mcp",
            ["AgentRag:Mcp:Servers:bad:Tools:ok:SideEffects"] = "false",
            [key] = value,
        };

        var result = new ExternalToolsOptionsValidator().Validate(null, Bind(settings));

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain(expected);
    }

    [Fact]
    public void Validate_NoAllowListAndBadNames_FailsWithEachProblem()
    {
        var options = new ExternalToolsOptions();
        options.Servers["has space"] = new ExternalServerOptions { Command = "x", Tools = { ["ok"] = new ExternalToolOptions() } };
        options.Servers["empty"] = new ExternalServerOptions { Command = "x" };
        options.Servers["names"] = new ExternalServerOptions { Command = "x", Tools = { ["bad.name"] = new ExternalToolOptions() } };

        var result = new ExternalToolsOptionsValidator().Validate(null, options);

        result.Failures!.ShouldContain("AgentRag:Mcp:Servers:has space: a server name must be 1–32 letters, digits or '-'.");
        result.Failures!.ShouldContain("AgentRag:Mcp:Servers:empty:Tools is empty: list the tools agents may call, each with SideEffects true or false.");
        result.Failures!.ShouldContain(f => f.StartsWith("AgentRag:Mcp:Servers:names:Tools:bad.name: a tool name must be", StringComparison.Ordinal));
    }

    [Fact]
    public void ValidateOnStart_BadConfiguration_FailsAtStartupNotAtFirstCall()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentRag:Mcp:Servers:crm:Url"] = "not a url",
            ["AgentRag:Mcp:Servers:crm:Tools:t:SideEffects"] = "false",
        }).Build());
        services.AddAgentRagMcp();
        using var provider = services.BuildServiceProvider();

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        error.Message.ShouldContain("AgentRag:Mcp:Servers:crm:Url 'not a url' is not an absolute http or https URL.");
    }

    private static ExternalToolsOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new ExternalToolsOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(ExternalToolsOptions.SectionName).Bind(options);
        return options;
    }
}
