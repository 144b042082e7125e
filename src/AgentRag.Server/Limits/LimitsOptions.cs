using System.ComponentModel.DataAnnotations;

namespace AgentRag.Server.Limits;

/// <summary>Rate limits and tenant quotas (section <c>AgentRag:Limits</c>); see docs/security.md, "Limits and quotas".</summary>
public sealed class LimitsOptions : IValidatableObject
{
    public const string SectionName = "AgentRag:Limits";

    /// <summary>
    /// Whether requests are rate-limited. Unset: on in required-auth mode, off in open mode (a loopback-only laptop
    /// server). Only open mode may turn it off.
    /// </summary>
    public bool? RateLimiting { get; set; }

    /// <summary>The rate-limit window.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Requests per credential per window, for routes other than uploads and queries.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerWindow { get; set; } = 100;

    /// <summary>Upload requests (<c>POST /v1/documents</c>, reprocess) per credential per window; unset: <see cref="RequestsPerWindow"/>.</summary>
    [Range(1, 1_000_000)]
    public int? UploadsPerWindow { get; set; }

    /// <summary>Query requests (queries, search, chat completions) per credential per window; unset: <see cref="RequestsPerWindow"/>.</summary>
    [Range(1, 1_000_000)]
    public int? QueriesPerWindow { get; set; }

    /// <summary>Most documents a tenant may hold.</summary>
    [Range(0, long.MaxValue)]
    public long MaxDocuments { get; set; } = 1_000;

    /// <summary>Most bytes of originals a tenant may hold (10 GB).</summary>
    [Range(0, long.MaxValue)]
    public long MaxStoredBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Most queries (queries, searches, chat completions) a tenant may make per UTC day.</summary>
    [Range(0, long.MaxValue)]
    public long MaxQueriesPerDay { get; set; } = 10_000;

    /// <summary>Per-tenant overrides, by tenant id; an unset member takes the value above.</summary>
    public Dictionary<string, TenantLimitsOverride> Tenants { get; set; } = [];

    /// <summary>The limits that apply to <paramref name="tenantId"/>.</summary>
    public TenantLimits For(string tenantId)
    {
        var o = Tenants.GetValueOrDefault(tenantId);
        var requests = o?.RequestsPerWindow ?? RequestsPerWindow;
        return new TenantLimits(
            requests,
            o?.UploadsPerWindow ?? UploadsPerWindow ?? requests,
            o?.QueriesPerWindow ?? QueriesPerWindow ?? requests,
            o?.MaxDocuments ?? MaxDocuments,
            o?.MaxStoredBytes ?? MaxStoredBytes,
            o?.MaxQueriesPerDay ?? MaxQueriesPerDay);
    }

    /// <summary>The configuration key of <paramref name="member"/> as it applies to <paramref name="tenantId"/>.</summary>
    public string SettingFor(string tenantId, string member) =>
        Tenants.ContainsKey(tenantId) ? $"{SectionName}:Tenants:{tenantId}:{member}" : $"{SectionName}:{member}";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (tenant, limits) in Tenants)
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(limits, new ValidationContext(limits), results, validateAllProperties: true))
            {
                foreach (var result in results)
                {
                    yield return new ValidationResult($"{SectionName}:Tenants:{tenant}: {result.ErrorMessage}");
                }
            }
        }
    }
}

/// <summary>One tenant's overrides of <see cref="LimitsOptions"/> (<c>AgentRag:Limits:Tenants:&lt;tenant&gt;</c>).</summary>
public sealed class TenantLimitsOverride
{
    [Range(1, 1_000_000)]
    public int? RequestsPerWindow { get; set; }

    [Range(1, 1_000_000)]
    public int? UploadsPerWindow { get; set; }

    [Range(1, 1_000_000)]
    public int? QueriesPerWindow { get; set; }

    [Range(0, long.MaxValue)]
    public long? MaxDocuments { get; set; }

    [Range(0, long.MaxValue)]
    public long? MaxStoredBytes { get; set; }

    [Range(0, long.MaxValue)]
    public long? MaxQueriesPerDay { get; set; }
}

/// <summary>The limits in force for one tenant.</summary>
public sealed record TenantLimits(int RequestsPerWindow, int UploadsPerWindow, int QueriesPerWindow, long MaxDocuments, long MaxStoredBytes, long MaxQueriesPerDay)
{
    /// <summary>The requests per window of <paramref name="group"/>.</summary>
    public int PerWindow(LimitGroup group) => group switch
    {
        LimitGroup.Uploads => UploadsPerWindow,
        LimitGroup.Queries => QueriesPerWindow,
        _ => RequestsPerWindow,
    };
}

/// <summary>The route groups that have their own rate limit (endpoint metadata; see <see cref="RateLimits.WithLimitGroup{TBuilder}"/>).</summary>
public enum LimitGroup
{
    Requests,
    Uploads,
    Queries,
}
