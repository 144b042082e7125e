using System.CommandLine;
using AgentRag.Core;
using AgentRag.Hosting.Logging;
using Microsoft.Extensions.Logging;

namespace AgentRag.Cli.Commands;

/// <summary>Options every command takes.</summary>
public static class CommonOptions
{
    public static readonly Option<string?> Data = new("--data")
    {
        Description = $"Data folder (default: env {DataDirectory.EnvironmentVariable}, else ./data).",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Machine-readable JSON output.",
        Recursive = true,
    };

    public static readonly Option<string> Tenant = new("--tenant")
    {
        Description = "Tenant to act for.",
        DefaultValueFactory = _ => Tenancy.DefaultTenant,
        Recursive = true,
    };

    public static readonly Option<LogFormat> LogFormat = new("--log-format")
    {
        Description = "Log format on standard error: json or text.",
        DefaultValueFactory = _ => Hosting.Logging.LogFormat.Json,
        Recursive = true,
    };

    public static readonly Option<LogLevel> LogLevel = new("--log-level")
    {
        Description = "Minimum log level (Trace, Debug, Information, Warning, Error).",
        DefaultValueFactory = _ => Microsoft.Extensions.Logging.LogLevel.Warning,
        Recursive = true,
    };

    public static IEnumerable<Option> All => [Data, Json, Tenant, LogFormat, LogLevel];
}
