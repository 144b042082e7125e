using System.ComponentModel.DataAnnotations;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using Microsoft.Extensions.Options;

namespace AgentRag.Agents.Approvals;

/// <summary>
/// Human-in-the-loop approval settings (section <c>AgentRag:Approvals</c>): timeouts and their policy, the cost gate,
/// and webhooks, with per-tenant overrides under <c>Tenants:&lt;tenant&gt;</c>. Validated at startup.
/// </summary>
public sealed class ApprovalOptions
{
    public const string SectionName = "AgentRag:Approvals";

    /// <summary>How long a request waits for a decision before its <see cref="TimeoutPolicy"/> applies.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Reject (the request expires) or escalate (notified again, still decidable) when nobody decides in time.</summary>
    public ApprovalTimeoutPolicy TimeoutPolicy { get; set; } = ApprovalTimeoutPolicy.Reject;

    /// <summary>With <see cref="ApprovalTimeoutPolicy.Escalate"/>: how long each escalation waits before the next one.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan EscalationInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>With <see cref="ApprovalTimeoutPolicy.Escalate"/>: escalations before the request finally expires.</summary>
    [Range(1, 100)]
    public int MaxEscalations { get; set; } = 3;

    /// <summary>The share of the timeout after which <c>approval.expiring</c> is sent (0.8: at 80%).</summary>
    [Range(0.05, 0.99)]
    public double ExpiringAt { get; set; } = 0.8;

    /// <summary>Plans whose estimated cost (USD) exceeds this wait for approval before their first model step; null: no cost gate.</summary>
    [Range(0.0, 1_000_000.0)]
    public decimal? CostThresholdUsd { get; set; }

    /// <summary>Every answer of every tenant waits for approval (as <c>"approval": "before_answer"</c> on each query).</summary>
    public bool RequireReview { get; set; }

    /// <summary>Where to POST approval notifications (for tenants without their own URL); null: no webhook.</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>The key of the webhook's HMAC-SHA256 signature (at least 16 characters); required with <see cref="WebhookUrl"/>.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Delivery attempts per notification (the first and its retries).</summary>
    [Range(1, 20)]
    public int WebhookMaxAttempts { get; set; } = 5;

    /// <summary>The first retry's delay; each retry doubles it (with jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan WebhookRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one delivery attempt may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retrieved sources shown to the approver at most.</summary>
    [Range(0, 50)]
    public int MaxContextSources { get; set; } = 8;

    /// <summary>Per-tenant overrides, by tenant id.</summary>
    public Dictionary<string, TenantApprovalOptions> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The settings that apply to <paramref name="tenantId"/> (its overrides over the defaults).</summary>
    public TenantApprovalSettings For(string tenantId)
    {
        var tenant = Tenants.GetValueOrDefault(tenantId);
        var webhookUrl = tenant?.WebhookUrl ?? WebhookUrl;
        var webhookSecret = tenant?.WebhookUrl is not null ? tenant.WebhookSecret : WebhookSecret;
        return new TenantApprovalSettings(
            tenant?.Timeout ?? DefaultTimeout,
            tenant?.TimeoutPolicy ?? TimeoutPolicy,
            tenant?.EscalationInterval ?? EscalationInterval,
            MaxEscalations,
            ExpiringAt,
            tenant?.CostThresholdUsd ?? CostThresholdUsd,
            tenant?.RequireReview ?? RequireReview,
            webhookUrl is null || webhookSecret is null ? null : new ApprovalWebhook(webhookUrl, webhookSecret));
    }
}

/// <summary>One tenant's overrides; unset values use the defaults of <see cref="ApprovalOptions"/>.</summary>
public sealed class TenantApprovalOptions
{
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan? Timeout { get; set; }

    public ApprovalTimeoutPolicy? TimeoutPolicy { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan? EscalationInterval { get; set; }

    [Range(0.0, 1_000_000.0)]
    public decimal? CostThresholdUsd { get; set; }

    /// <summary>Every answer of this tenant waits for approval.</summary>
    public bool? RequireReview { get; set; }

    public Uri? WebhookUrl { get; set; }

    public string? WebhookSecret { get; set; }
}

/// <summary>The approval settings in force for one tenant.</summary>
public sealed record TenantApprovalSettings(
    TimeSpan Timeout,
    ApprovalTimeoutPolicy TimeoutPolicy,
    TimeSpan EscalationInterval,
    int MaxEscalations,
    double ExpiringAt,
    decimal? CostThresholdUsd,
    bool RequireReview,
    ApprovalWebhook? Webhook);

/// <summary>Where a tenant's notifications go and the key that signs them.</summary>
public sealed record ApprovalWebhook(Uri Url, string Secret);

/// <summary>Checks what data annotations cannot: tenant ids, nested ranges, and webhook URLs with their secrets.</summary>
public sealed class ApprovalOptionsValidator : IValidateOptions<ApprovalOptions>
{
    public const int MinSecretLength = 16;

    public ValidateOptionsResult Validate(string? name, ApprovalOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        CheckWebhook(ApprovalOptions.SectionName, options.WebhookUrl, options.WebhookSecret, failures);
        foreach (var (tenantId, tenant) in options.Tenants)
        {
            var key = $"{ApprovalOptions.SectionName}:Tenants:{tenantId}";
            if (!Tenancy.IsValidTenantId(tenantId))
            {
                failures.Add($"{key}: '{tenantId}' is not a tenant id ({Tenancy.Rule}).");
            }

            if (tenant is null)
            {
                continue;
            }

            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(tenant, new ValidationContext(tenant), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"{key}: {r.ErrorMessage}"));
            }

            if (tenant.TimeoutPolicy is { } policy && !Enum.IsDefined(policy))
            {
                failures.Add($"{key}:TimeoutPolicy: use Reject or Escalate.");
            }

            if (tenant.WebhookUrl is not null || tenant.WebhookSecret is not null)
            {
                CheckWebhook(key, tenant.WebhookUrl, tenant.WebhookSecret, failures);
            }
        }

        if (!Enum.IsDefined(options.TimeoutPolicy))
        {
            failures.Add($"{ApprovalOptions.SectionName}:TimeoutPolicy: use Reject or Escalate.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckWebhook(string key, Uri? url, string? secret, List<string> failures)
    {
        if (url is null)
        {
            if (secret is not null)
            {
                failures.Add($"{key}:WebhookSecret is set without {key}:WebhookUrl.");
            }

            return;
        }

        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"{key}:WebhookUrl '{url}' must be an absolute http or https URL.");
        }

        if (string.IsNullOrEmpty(secret) || secret.Length < MinSecretLength)
        {
            failures.Add($"{key}:WebhookSecret must be at least {MinSecretLength} characters: it signs every webhook body (HMAC-SHA256).");
        }
    }
}
