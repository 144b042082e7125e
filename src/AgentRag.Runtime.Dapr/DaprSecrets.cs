using global::Dapr;
using global::Dapr.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRag.Runtime.Dapr;

/// <summary>
/// Model API keys and JWT secrets from the Dapr secret store: a configuration source that, when loaded, reads each secret
/// mapped in <c>AgentRag:Dapr:Secrets</c> from <c>AgentRag:Dapr:SecretStore</c> through the sidecar's gRPC API
/// (<c>DaprClient.GetSecretAsync</c>) and sets the configuration key it is mapped to. Added last, so the secret store wins
/// over files and environment variables for the keys it fills.
/// </summary>
public static class DaprSecrets
{
    /// <summary>
    /// Adds the secret store's values to <paramref name="configuration"/> (read at once, once), each under the configuration
    /// key its <c>AgentRag:Dapr:Secrets</c> entry maps it to. Nothing happens without
    /// <c>AgentRag:Dapr:SecretStore</c> or without secrets to read. Throws <see cref="OptionsValidationException"/> naming the
    /// secret and the store when one cannot be read, or names a key that the secret does not have, so the server does not
    /// start without its keys.
    /// </summary>
    public static IConfigurationManager AddDaprSecrets(this IConfigurationManager configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new DaprRuntimeOptions();
        configuration.GetSection(DaprRuntimeOptions.SectionName).Bind(options);
        if (options.SecretStore.Length == 0 || options.Secrets.Count == 0)
        {
            return configuration;
        }

        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        using (var client = Client(options))
        {
            foreach (var (label, mapping) in options.Secrets)
            {
                var equals = mapping.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0 || equals == mapping.Length - 1)
                {
                    throw Invalid(label, $"{DaprRuntimeOptions.SectionName}:{nameof(DaprRuntimeOptions.Secrets)}:{label} is '{mapping}', not '{{configuration key}}={{secret}}[/{{key}}]'.");
                }

                values[mapping[..equals].Trim()] = Read(client, options.SecretStore, label, mapping[(equals + 1)..].Trim());
            }
        }

        configuration.AddInMemoryCollection(values);
        return configuration;
    }

    private static string Read(DaprClient client, string store, string key, string reference)
    {
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        var (name, field) = slash < 0 ? (reference, reference) : (reference[..slash], reference[(slash + 1)..]);
        Dictionary<string, string> secret;
        try
        {
            // Configuration loads synchronously; this runs once at start, before the host serves anything.
            secret = client.GetSecretAsync(store, name).GetAwaiter().GetResult();
        }
        catch (DaprException ex)
        {
            throw Invalid(key, $"{DaprRuntimeOptions.SectionName}:{nameof(DaprRuntimeOptions.Secrets)}:{key} names the secret '{name}', which the Dapr secret store '{store}' did not return: {ex.InnerException?.Message ?? ex.Message}");
        }

        return secret.TryGetValue(field, out var value) ? value
            : secret.Count == 1 && slash < 0 ? secret.Values.Single()
            : throw Invalid(key, $"{DaprRuntimeOptions.SectionName}:{nameof(DaprRuntimeOptions.Secrets)}:{key} names the key '{field}' of the secret '{name}' in '{store}', which has only: {string.Join(", ", secret.Keys)}.");
    }

    private static OptionsValidationException Invalid(string key, string message) =>
        new($"{DaprRuntimeOptions.SectionName}:{nameof(DaprRuntimeOptions.Secrets)}:{key}", typeof(DaprRuntimeOptions), [message]);

    internal static DaprClient Client(DaprRuntimeOptions options)
    {
        var builder = new DaprClientBuilder();
        if (options.GrpcEndpoint.Length > 0)
        {
            builder.UseGrpcEndpoint(options.GrpcEndpoint);
        }

        if (options.HttpEndpoint.Length > 0)
        {
            builder.UseHttpEndpoint(options.HttpEndpoint);
        }

        if (options.ApiToken.Length > 0)
        {
            builder.UseDaprApiToken(options.ApiToken);
        }

        return builder.Build();
    }
}
