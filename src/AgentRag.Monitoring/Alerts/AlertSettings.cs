using System.Text.Json;
using AgentRag.Core.Monitoring;
using AgentRag.Core.Serialization;
using MimeKit;

namespace AgentRag.Monitoring.Alerts;

/// <summary>
/// One alert rule of a tenant. <see cref="Threshold"/> means, by kind: <c>budget.90</c>/<c>budget.100</c> the share of a
/// budget (0–1]; <c>ingestion.failures</c> failed ingestions in the last hour; <c>approval.expiring</c> minutes before
/// expiry; none for <c>anomaly</c> and <c>model.circuit_open</c>. The same kind and key is raised at most once per
/// <see cref="CooldownMinutes"/>.
/// </summary>
public sealed class AlertRule
{
    public bool Enabled { get; set; } = true;

    public double? Threshold { get; set; }

    public int CooldownMinutes { get; set; } = 60;

    public AlertSeverity Severity { get; set; } = AlertSeverity.Warning;
}

/// <summary>A Slack-compatible incoming webhook; its body is signed with <see cref="Secret"/> (HMAC-SHA256).</summary>
public sealed class SlackWebhook
{
    public string Url { get; set; } = "";

    public string Secret { get; set; } = "";
}

/// <summary>A PagerDuty Events v2 endpoint (<c>https://events.pagerduty.com/v2/enqueue</c>) and the service's routing key.</summary>
public sealed class PagerDutyWebhook
{
    public string Url { get; set; } = "https://events.pagerduty.com/v2/enqueue";

    public string RoutingKey { get; set; } = "";
}

/// <summary>A tenant's alert rules, channels and recipients (<c>/v1/alerts/settings</c>; defaults in <c>AgentRag:Monitoring:DefaultAlerts</c>).</summary>
public sealed class AlertSettings
{
    /// <summary>What <c>GET /v1/alerts/settings</c> shows in place of a stored secret; a PUT that sends it back keeps the secret.</summary>
    public const string SecretMask = "********";

    /// <summary>The rules by kind (see <see cref="AlertKinds"/>); a kind left out uses its default.</summary>
    public Dictionary<string, AlertRule> Rules { get; set; } = new(StringComparer.Ordinal);

    public List<SlackWebhook> Slack { get; set; } = [];

    public List<PagerDutyWebhook> PagerDuty { get; set; } = [];

    /// <summary>Who receives alerts by email.</summary>
    public List<string> EmailRecipients { get; set; } = [];

    /// <summary>Who receives the daily cost report.</summary>
    public List<string> ReportRecipients { get; set; } = [];

    /// <summary>The built-in rules: budgets at 90% and 100%, anomalies, 5 failed ingestions an hour, open circuits, approvals within 60 minutes of expiry.</summary>
    public static AlertSettings CreateDefault() => new()
    {
        Rules = new(StringComparer.Ordinal)
        {
            [AlertKinds.Budget90] = new() { Threshold = 0.9, CooldownMinutes = 24 * 60, Severity = AlertSeverity.Warning },
            [AlertKinds.Budget100] = new() { Threshold = 1.0, CooldownMinutes = 24 * 60, Severity = AlertSeverity.Critical },
            [AlertKinds.Anomaly] = new() { CooldownMinutes = 6 * 60, Severity = AlertSeverity.Warning },
            [AlertKinds.IngestionFailures] = new() { Threshold = 5, CooldownMinutes = 60, Severity = AlertSeverity.Warning },
            [AlertKinds.CircuitOpen] = new() { CooldownMinutes = 30, Severity = AlertSeverity.Critical },
            [AlertKinds.ApprovalExpiring] = new() { Threshold = 60, CooldownMinutes = 24 * 60, Severity = AlertSeverity.Info },
        },
    };

    /// <summary>The rule of <paramref name="kind"/>: this tenant's, else the default's.</summary>
    public AlertRule Rule(string kind) =>
        Rules.TryGetValue(kind, out var rule) ? rule : CreateDefault().Rules[kind];

    /// <summary>These settings as stored (JSON).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, AgentRagJson.Options);

    /// <summary>Settings read from stored JSON.</summary>
    public static AlertSettings FromJson(string json) =>
        JsonSerializer.Deserialize<AlertSettings>(json, AgentRagJson.Options) ?? throw new JsonException("Stored alert settings are null.");

    /// <summary>A copy with every secret replaced by <see cref="SecretMask"/>, for reading back.</summary>
    public AlertSettings Masked()
    {
        var copy = FromJson(ToJson());
        copy.Slack.ForEach(s => s.Secret = s.Secret.Length > 0 ? SecretMask : "");
        copy.PagerDuty.ForEach(p => p.RoutingKey = p.RoutingKey.Length > 0 ? SecretMask : "");
        return copy;
    }

    /// <summary>Puts back the secrets of <paramref name="stored"/> where this (incoming) copy sends the mask for the same URL.</summary>
    public void KeepSecretsFrom(AlertSettings stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        foreach (var slack in Slack.Where(s => s.Secret == SecretMask))
        {
            slack.Secret = stored.Slack.Find(s => s.Url == slack.Url)?.Secret ?? slack.Secret;
        }

        foreach (var pager in PagerDuty.Where(p => p.RoutingKey == SecretMask))
        {
            pager.RoutingKey = stored.PagerDuty.Find(p => p.Url == pager.Url)?.RoutingKey ?? pager.RoutingKey;
        }
    }

    /// <summary>
    /// What is wrong with these settings, by JSON path (<c>rules.budget.90.threshold</c>): empty when they are valid. Each
    /// message names the value and the rule it breaks.
    /// </summary>
    public Dictionary<string, string[]> Validate()
    {
        const int MaxChannels = 10;
        const int MaxCooldownMinutes = 30 * 24 * 60;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string path, string message) => errors[path] = [.. errors.GetValueOrDefault(path, []), message];

        foreach (var (kind, rule) in Rules)
        {
            var path = $"rules.{kind}";
            if (!AlertKinds.All.Contains(kind))
            {
                Add(path, $"Unknown alert kind '{kind}': use one of {string.Join(", ", AlertKinds.All)}.");
                continue;
            }

            if (rule is null)
            {
                Add(path, "A rule must be an object.");
                continue;
            }

            if (rule.CooldownMinutes is < 0 or > MaxCooldownMinutes)
            {
                Add(path + ".cooldownMinutes", $"Must be 0–{MaxCooldownMinutes} (30 days); got {rule.CooldownMinutes}.");
            }

            var (min, max, needed, what) = kind switch
            {
                AlertKinds.Budget90 or AlertKinds.Budget100 => (0.01, 1.0, true, "a share of the budget"),
                AlertKinds.IngestionFailures => (1.0, 100_000.0, true, "failed ingestions in an hour"),
                AlertKinds.ApprovalExpiring => (1.0, 7 * 24 * 60.0, true, "minutes before expiry"),
                _ => (0.0, 0.0, false, ""),
            };
            if (needed && (rule.Threshold is not { } t || double.IsNaN(t) || t < min || t > max))
            {
                Add(path + ".threshold", $"Must be {what}, {min}–{max}; got {rule.Threshold?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}.");
            }
            else if (!needed && rule.Threshold is not null)
            {
                Add(path + ".threshold", $"The rule '{kind}' takes no threshold.");
            }
        }

        if (Slack.Count > MaxChannels || PagerDuty.Count > MaxChannels || EmailRecipients.Count > 50 || ReportRecipients.Count > 50)
        {
            Add("channels", $"At most {MaxChannels} Slack and {MaxChannels} PagerDuty webhooks, and 50 recipients of each list.");
        }

        for (var i = 0; i < Slack.Count; i++)
        {
            if (InvalidUrl(Slack[i]?.Url) is { } problem)
            {
                Add($"slack[{i}].url", problem);
            }

            if (Slack[i]?.Secret is not { Length: >= 16 and <= 256 })
            {
                Add($"slack[{i}].secret", "The signing secret must be 16–256 characters.");
            }
        }

        for (var i = 0; i < PagerDuty.Count; i++)
        {
            if (InvalidUrl(PagerDuty[i]?.Url) is { } problem)
            {
                Add($"pagerDuty[{i}].url", problem);
            }

            if (PagerDuty[i]?.RoutingKey is not { Length: >= 1 and <= 64 })
            {
                Add($"pagerDuty[{i}].routingKey", "The routing key must be 1–64 characters.");
            }
        }

        foreach (var (list, name) in new[] { (EmailRecipients, "emailRecipients"), (ReportRecipients, "reportRecipients") })
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (!IsEmailAddress(list[i]))
                {
                    Add($"{name}[{i}]", $"'{list[i]}' is not an email address (name@domain).");
                }
            }
        }

        return errors;
    }

    private static string? InvalidUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? null
            : $"'{url}' is not an absolute http(s) URL.";

    private static bool IsEmailAddress(string? text) =>
        !string.IsNullOrWhiteSpace(text) && text.Length <= 254 && MailboxAddress.TryParse(text, out var mailbox)
        && mailbox.Address.IndexOf('@', StringComparison.Ordinal) is > 0 and var at && at < mailbox.Address.Length - 1;
}
