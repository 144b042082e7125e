using System.Net;
using System.Text;
using AgentRag.Core;
using AgentRag.Core.Coordination;
using AgentRag.Core.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AgentRag.Server.Security;

/// <summary>Wiring of credentials, authentication and authorization.</summary>
public static class SecurityServiceCollectionExtensions
{
    /// <summary>
    /// Host-neutral part (server and CLI): <see cref="AuthOptions"/> from <c>AgentRag:Auth</c> and the
    /// <see cref="ApiKeyService"/> over the store's <see cref="IApiKeyStore"/>.
    /// </summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.Jwt.SigningKey is null || Encoding.UTF8.GetByteCount(o.Jwt.SigningKey) >= 32,
                "AgentRag:Auth:Jwt:SigningKey must have at least 32 bytes.")
            .Validate(o => o.Jwt.JwksFile is null || o.Jwt.JwksUrl is null,
                "Set one of AgentRag:Auth:Jwt:JwksFile and AgentRag:Auth:Jwt:JwksUrl, not both.")
            .Validate(o => o.KeySecret is null || o.KeySecretFile is null,
                "Set one of AgentRag:Auth:KeySecret and AgentRag:Auth:KeySecretFile, not both.")
            .ValidateOnStart();
        services.AddSingleton<ApiKeyService>();
        return services;
    }

    /// <summary>
    /// The HTTP host's part (after <see cref="AddApiKeys"/>, which the server and the CLI's keys command register): the <see cref="AgentRagAuthenticationHandler"/> scheme (with JWT bearer behind it when
    /// configured), the role policies with a fallback that requires a caller, the open-mode loopback check, and the
    /// bootstrap admin key.
    /// </summary>
    public static IServiceCollection AddAgentRagSecurity(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<AuthOptions>, OpenModeBindingValidator>();
        services.AddHttpClient(nameof(JwksConfigurationManager));
        services.AddAuthentication(AgentRagAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, AgentRagAuthenticationHandler>(AgentRagAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(AgentRagAuthenticationHandler.JwtSchemeName);
        services.AddOptions<JwtBearerOptions>(AgentRagAuthenticationHandler.JwtSchemeName)
            .Configure<IOptions<AuthOptions>, IHttpClientFactory, TimeProvider>((bearer, auth, http, time) =>
                ConfigureJwtBearer(bearer, auth.Value.Jwt, http, time));
        AuthPolicies.Add(services.AddAuthorizationBuilder());
        services.AddSingleton<IAuthorizationHandler, AuthPolicies.RoleRequirementHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuthPolicies.ProblemResultHandler>();
        services.AddHostedService<BootstrapAdminKey>();
        return services;
    }

    private static void ConfigureJwtBearer(JwtBearerOptions bearer, JwtOptions jwt, IHttpClientFactory http, TimeProvider time)
    {
        bearer.MapInboundClaims = false;
        bearer.TimeProvider = time;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = jwt.Issuer is not null,
            ValidIssuer = jwt.Issuer,
            ValidateAudience = jwt.Audience is not null,
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = jwt.ClockSkew,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256, SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256],
            // A key id, because IdentityModel dereferences every key's id when it explains a failed signature check.
            IssuerSigningKey = jwt.SigningKey is { } secret ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)) { KeyId = "hs256" } : null,
        };
        if (jwt.JwksFile is not null || jwt.JwksUrl is not null)
        {
            bearer.ConfigurationManager = new JwksConfigurationManager(jwt, http.CreateClient(nameof(JwksConfigurationManager)), time);
        }

        // This scheme is only ever asked to authenticate by AgentRagAuthenticationHandler, which answers challenges itself.
        bearer.Events = new JwtBearerEvents { OnChallenge = context => { context.HandleResponse(); return Task.CompletedTask; } };
    }

    /// <summary>Open mode is refused unless every address the server binds is a loopback address.</summary>
    private sealed class OpenModeBindingValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
    {
        public ValidateOptionsResult Validate(string? name, AuthOptions options)
        {
            if (options.Mode != AuthMode.Open)
            {
                return ValidateOptionsResult.Skip;
            }

            var exposed = BoundUrls(configuration).Where(url => !IsLoopback(url)).ToList();
            return exposed.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    $"AgentRag:Auth:Mode is Open (no credentials), which is allowed only on loopback addresses, but the server would listen on "
                    + $"{string.Join(", ", exposed)}. Use --auth required (AgentRag:Auth:Mode=Required), or listen on 127.0.0.1.");
        }

        private static IEnumerable<string> BoundUrls(IConfiguration configuration)
        {
            foreach (var key in new[] { "urls", "http_ports", "https_ports" })
            {
                var value = configuration[key];
                if (string.IsNullOrWhiteSpace(value))
                {
                    continue;
                }

                foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    // A bare port (http_ports/https_ports) listens on every interface.
                    yield return key == "urls" ? part : $"*:{part}";
                }
            }

            foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
            {
                if (endpoint["Url"] is { Length: > 0 } url)
                {
                    yield return url;
                }
            }
        }

        private static bool IsLoopback(string url)
        {
            var host = url;
            var scheme = host.IndexOf("://", StringComparison.Ordinal);
            if (scheme >= 0)
            {
                host = host[(scheme + 3)..];
            }

            host = host.Split('/')[0];
            if (host.StartsWith('['))
            {
                host = host[1..host.IndexOf(']')];
            }
            else if (host.LastIndexOf(':') is var colon and > 0)
            {
                host = host[..colon];
            }

            return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        }
    }

    /// <summary>
    /// At start in required mode: registers the configured bootstrap key, or, when no key exists at all, creates a
    /// platform-admin key and writes it to an owner-only file in the data folder. The log names the file, never the key.
    /// The check and the creation hold the <see cref="LeaseNames.BootstrapAdminKey"/> lease (cluster-wide on a shared
    /// store), so processes starting together on an empty store create one key between them.
    /// </summary>
    internal sealed class BootstrapAdminKey(
        ApiKeyService keys, IDistributedLock locks, IOptions<AuthOptions> options, DataFolder dataFolder, ILogger<BootstrapAdminKey> logger) : IHostedService
    {
        public const string FileName = "bootstrap-admin.key";

        /// <summary>How long a starting process waits for another to finish its own bootstrap.</summary>
        private static readonly TimeSpan LeaseTimeout = TimeSpan.FromMinutes(1);

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var auth = options.Value;
            var configured = auth.BootstrapKey
                ?? (auth.BootstrapKeyFile is { } file ? SecretFiles.Read(file, $"{AuthOptions.SectionName}:{nameof(AuthOptions.BootstrapKeyFile)}") : null);
            if (configured is not null)
            {
                var record = await keys.EnsureRegisteredAsync(configured, Tenancy.DefaultTenant, TenantRole.Admin, "bootstrap", platformAdmin: true, cancellationToken);
                logger.LogInformation("The configured bootstrap key is registered as platform-admin key {KeyId}.", record.Id);
                return;
            }

            if (auth.Mode != AuthMode.Required)
            {
                return;
            }

            await using var lease = await locks.AcquireAsync(LeaseNames.BootstrapAdminKey, LeaseTimeout, cancellationToken);
            if (await keys.AnyAsync(cancellationToken))
            {
                return;
            }

            var issued = await keys.CreateAsync(Tenancy.DefaultTenant, TenantRole.Admin, "bootstrap", null, platformAdmin: true, cancellationToken);
            var path = Path.Combine(ApiKeyService.SecretsDirectory(dataFolder), FileName);
            SecretFiles.Write(path, issued.Key + Environment.NewLine);
            logger.LogWarning(
                "No API key existed, so platform-admin key {KeyId} was created and written to {Path} (readable by its owner only). "
                + "Use it to create keys ('agentrag keys create' or POST /v1/keys), then delete the file.",
                issued.Record.Id, path);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
