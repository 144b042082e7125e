using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AgentRag.Mcp.Registry;

/// <summary>
/// External MCP servers whose tools agents may use (section <c>AgentRag:Mcp</c>). Each server under
/// <c>AgentRag:Mcp:Servers:&lt;name&gt;</c> is either a stdio command (<c>Command</c>, <c>Args</c>, <c>Env</c>) or an
/// HTTP endpoint (<c>Url</c>, <c>Headers</c>), and lists the tools agents may call under <c>Tools:&lt;tool&gt;</c>
/// with their <c>SideEffects</c> flag and optional <c>Timeout</c>. Tools not listed are never offered.
/// </summary>
public sealed class ExternalToolsOptions
{
    public const string SectionName = "AgentRag:Mcp";

    /// <summary>The configured servers by name (letters, digits and '-').</summary>
    public Dictionary<string, ExternalServerOptions> Servers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long a tool call may take when neither the tool nor its server sets a timeout.</summary>
    public TimeSpan ToolTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long connecting (process start or HTTP handshake) may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a connected server is pinged; a failed ping marks it down.</summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The first reconnection delay after a server goes down; it doubles per failed attempt.</summary>
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest reconnection delay.</summary>
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>One external MCP server (<c>AgentRag:Mcp:Servers:&lt;name&gt;</c>).</summary>
public sealed class ExternalServerOptions
{
    /// <summary>The executable of a stdio server (e.g. <c>npx</c>, <c>uvx</c>, a path). Exclusive with <see cref="Url"/>.</summary>
    public string? Command { get; set; }

    public List<string> Args { get; set; } = [];

    /// <summary>Environment variables for the stdio server's process (added to this process's environment).</summary>
    public Dictionary<string, string> Env { get; set; } = new(StringComparer.Ordinal);

    public string? WorkingDirectory { get; set; }

    /// <summary>The streamable-HTTP endpoint of a remote server, e.g. <c>https://tools.example.com/mcp</c>.</summary>
    public string? Url { get; set; }

    /// <summary>Headers sent with every HTTP request (e.g. <c>Authorization</c>).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The allow-list: the server's tools agents may call, by the server's tool name.</summary>
    public Dictionary<string, ExternalToolOptions> Tools { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Timeout of this server's tool calls when a tool sets none; default <see cref="ExternalToolsOptions.ToolTimeout"/>.</summary>
    public TimeSpan? ToolTimeout { get; set; }

    /// <summary>False keeps the server configured but unused.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>An allowed tool (<c>AgentRag:Mcp:Servers:&lt;name&gt;:Tools:&lt;tool&gt;</c>).</summary>
public sealed class ExternalToolOptions
{
    /// <summary>
    /// True when the tool changes state outside the platform (sends, writes, deletes, pays); its calls then need approval.
    /// Defaults to true: a tool is assumed to act on the world unless the configuration says it only reads.
    /// </summary>
    public bool SideEffects { get; set; } = true;

    /// <summary>How long one call may take before it is cancelled.</summary>
    public TimeSpan? Timeout { get; set; }
}

/// <summary>Checks <see cref="ExternalToolsOptions"/>; every message names the setting at fault.</summary>
public sealed partial class ExternalToolsOptionsValidator : IValidateOptions<ExternalToolsOptions>
{
    /// <summary>Exposed tool names are <c>&lt;server&gt;__&lt;tool&gt;</c> and must fit model function-name rules (64 characters).</summary>
    public const int MaxExposedNameLength = 64;

    public ValidateOptionsResult Validate(string? name, ExternalToolsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        CheckPositive(failures, $"{ExternalToolsOptions.SectionName}:ToolTimeout", options.ToolTimeout);
        CheckPositive(failures, $"{ExternalToolsOptions.SectionName}:ConnectTimeout", options.ConnectTimeout);
        CheckPositive(failures, $"{ExternalToolsOptions.SectionName}:HealthCheckInterval", options.HealthCheckInterval);
        CheckPositive(failures, $"{ExternalToolsOptions.SectionName}:RestartDelay", options.RestartDelay);
        if (options.MaxRestartDelay < options.RestartDelay)
        {
            failures.Add($"{ExternalToolsOptions.SectionName}:MaxRestartDelay ({options.MaxRestartDelay}) must not be shorter than RestartDelay ({options.RestartDelay}).");
        }

        foreach (var (serverName, server) in options.Servers)
        {
            var key = $"{ExternalToolsOptions.SectionName}:Servers:{serverName}";
            if (!ServerNamePattern().IsMatch(serverName))
            {
                failures.Add($"{key}: a server name must be 1–32 letters, digits or '-'.");
            }

            if (server is null)
            {
                failures.Add($"{key} is empty: set Command (stdio) or Url (HTTP), and Tools.");
                continue;
            }

            var hasCommand = !string.IsNullOrWhiteSpace(server.Command);
            var hasUrl = !string.IsNullOrWhiteSpace(server.Url);
            if (hasCommand == hasUrl)
            {
                failures.Add($"{key}: set exactly one of Command (a stdio server) or Url (an HTTP server).");
            }

            if (hasUrl && (!Uri.TryCreate(server.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
            {
                failures.Add($"{key}:Url '{server.Url}' is not an absolute http or https URL.");
            }

            if (hasCommand && server.Headers.Count > 0)
            {
                failures.Add($"{key}:Headers apply to HTTP servers only; this server has a Command.");
            }

            if (hasUrl && (server.Args.Count > 0 || server.Env.Count > 0))
            {
                failures.Add($"{key}: Args and Env apply to stdio servers only; this server has a Url.");
            }

            if (server.ToolTimeout is { } serverTimeout)
            {
                CheckPositive(failures, $"{key}:ToolTimeout", serverTimeout);
            }

            if (server.Tools.Count == 0)
            {
                failures.Add($"{key}:Tools is empty: list the tools agents may call, each with SideEffects true or false.");
            }

            foreach (var (toolName, tool) in server.Tools)
            {
                if (!ToolNamePattern().IsMatch(toolName) || serverName.Length + 2 + toolName.Length > MaxExposedNameLength)
                {
                    failures.Add($"{key}:Tools:{toolName}: a tool name must be letters, digits, '_' or '-', and '{serverName}__{toolName}' at most {MaxExposedNameLength} characters.");
                }

                if (tool?.Timeout is { } timeout)
                {
                    CheckPositive(failures, $"{key}:Tools:{toolName}:Timeout", timeout);
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckPositive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{key} must be a positive duration such as 00:00:30; it was {value}.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,32}$")]
    private static partial Regex ServerNamePattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex ToolNamePattern();
}
