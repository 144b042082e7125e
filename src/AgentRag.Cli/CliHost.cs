using System.CommandLine;
using AgentRag.Cli.Commands;
using AgentRag.Core;
using AgentRag.Hosting;
using AgentRag.Hosting.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRag.Cli;

/// <summary>The services a CLI command runs on: the same composition root as the server, over the chosen data folder.</summary>
internal sealed class CliHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CliHost(ServiceProvider services, DataFolder dataFolder, string tenantId, bool json)
    {
        _services = services;
        DataFolder = dataFolder;
        TenantId = tenantId;
        Json = json;
    }

    public DataFolder DataFolder { get; }

    public string TenantId { get; }

    public bool Json { get; }

    public IServiceProvider Services => _services;

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>
    /// Builds and validates the services over the <c>--data</c> folder, or <paramref name="dataDirectory"/> when given
    /// (e.g. a throwaway folder), with <paramref name="settings"/> over the environment's (a benchmark's other configuration), with the backends <c>AgentRag:Storage</c> and <c>AgentRag:Runtime</c> choose and what
    /// <paramref name="addServices"/> adds (a command's own services). Throws <see cref="CliException"/> with a clear
    /// message on bad settings (an unknown backend included), and <see cref="InvalidOperationException"/> naming a
    /// missing registration.
    /// </summary>
    public static CliHost Start(
        ParseResult parseResult, string? dataDirectory = null, Action<IServiceCollection>? addServices = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var tenantId = parseResult.GetValue(CommonOptions.Tenant) ?? Tenancy.DefaultTenant;
        if (!Tenancy.IsValidTenantId(tenantId))
        {
            throw new CliException($"Invalid --tenant '{tenantId}': use {Tenancy.Rule}.", ExitCodes.Usage);
        }

        var dataFolder = new DataFolder(dataDirectory ?? DataDirectory.Resolve(parseResult.GetValue(CommonOptions.Data)));
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddAgentRagConsole(
            parseResult.GetValue(CommonOptions.LogFormat), parseResult.GetValue(CommonOptions.LogLevel), configuration[LoggingSetup.ServiceNameVariable]));
        services.AddSingleton<IConfiguration>(configuration);
        try
        {
            services.AddAgentRag(backends => backends.UseConfiguration(configuration, dataFolder, clusterClient: true));
        }
        catch (OptionsValidationException ex)
        {
            throw new CliException($"Invalid configuration: {ex.Message}", ExitCodes.Configuration);
        }

        addServices?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
        }
        catch (OptionsValidationException ex)
        {
            provider.Dispose();
            throw new CliException($"Invalid configuration: {ex.Message}", ExitCodes.Configuration);
        }

        return new CliHost(provider, dataFolder, tenantId, parseResult.GetValue(CommonOptions.Json));
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

/// <summary>A failure the CLI reports as one line on standard error and an exit code.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Failure) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Configuration = 3;
    public const int NotFound = 4;
}
