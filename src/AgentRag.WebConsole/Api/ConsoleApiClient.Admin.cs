using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;

namespace AgentRag.WebConsole.Api;

// The calls of the approvals inbox and the admin pages (the server lets only the admin role make them).
public sealed partial class ConsoleApiClient
{
    /// <summary>
    /// Follows the tenant's approval notifications (<c>GET /v1/approvals/events</c>): the backlog after
    /// <paramref name="lastEventId"/> (0: from the start), then live events until the caller cancels.
    /// </summary>
    public IAsyncEnumerable<SseItem<string>> FollowApprovalsAsync(long lastEventId, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "v1/approvals/events");
        if (lastEventId > 0)
        {
            request.Headers.Add("Last-Event-ID", lastEventId.ToString(CultureInfo.InvariantCulture));
        }

        return StreamAsync(request, cancellationToken);
    }

    /// <summary>A request for approval with its context and the step's inputs.</summary>
    public Task<ApprovalDetails> GetApprovalAsync(string id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<ApprovalDetails>($"v1/approvals/{Uri.EscapeDataString(id)}", cancellationToken);

    /// <summary>
    /// Decides a request: <paramref name="decision"/> is <c>approve</c>, <c>reject</c> or <c>modify</c> (with
    /// <see cref="ApprovalDecisionBody.Inputs"/>). Throws <see cref="ApiException"/> when the server refuses (409: already
    /// decided, 410: expired, 422: the modified inputs fail the step's schema).
    /// </summary>
    public async Task DecideApprovalAsync(string id, string decision, ApprovalDecisionBody body, CancellationToken cancellationToken = default)
    {
        if (decision is not ("approve" or "reject" or "modify"))
        {
            throw new ArgumentOutOfRangeException(nameof(decision), decision, "A decision is approve, reject or modify.");
        }

        using var response = await SendAsync(
            new HttpRequestMessage(HttpMethod.Post, $"v1/approvals/{Uri.EscapeDataString(id)}/{decision}") { Content = JsonContent.Create(body, options: WireJson.Options) },
            cancellationToken);
    }

    public Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<IReadOnlyList<ApiKeyInfo>>("v1/keys", cancellationToken);

    /// <summary>Creates a key; the answer holds its secret, which the server never shows again.</summary>
    public async Task<CreatedApiKey> CreateKeyAsync(CreateApiKeyBody body, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "v1/keys") { Content = JsonContent.Create(body, options: WireJson.Options) }, cancellationToken);
        return await response.Content.ReadFromJsonAsync<CreatedApiKey>(WireJson.Options, cancellationToken)
            ?? throw new ApiException(response.StatusCode, "The server sent an empty answer to the new key.");
    }

    public async Task RevokeKeyAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/keys/{Uri.EscapeDataString(id)}"), cancellationToken);
    }

    /// <summary>One page of the tenant's audit log matching <paramref name="filter"/>.</summary>
    public Task<AuditPage> ListAuditAsync(AuditFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = new StringBuilder($"v1/audit?limit={filter.Limit.ToString(CultureInfo.InvariantCulture)}");
        foreach (var (name, value) in new[] { ("from", filter.From), ("to", filter.To), ("actor", filter.Actor), ("action", filter.Action) })
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                query.Append('&').Append(name).Append('=').Append(Uri.EscapeDataString(value.Trim()));
            }
        }

        if (filter.After is { } after)
        {
            query.Append("&after=").Append(after.ToString(CultureInfo.InvariantCulture));
        }

        return GetJsonAsync<AuditPage>(query.ToString(), cancellationToken);
    }

    public Task<IReadOnlyList<PromptInfo>> ListPromptsAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<IReadOnlyList<PromptInfo>>("v1/prompts", cancellationToken);

    /// <summary>
    /// A health probe's report (<paramref name="probe"/> is <c>live</c>, <c>ready</c> or <c>startup</c>). An unhealthy
    /// server answers 503 with the same report, which is returned, not thrown.
    /// </summary>
    public async Task<HealthReport> GetHealthAsync(string probe, CancellationToken cancellationToken = default)
    {
        if (probe is not ("live" or "ready" or "startup"))
        {
            throw new ArgumentOutOfRangeException(nameof(probe), probe, "A health probe is live, ready or startup.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"health/{probe}");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new ApiException(null, $"The server cannot be reached ({ex.Message}). Check that it is running and that you are online.");
        }

        using (response)
        {
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return await response.Content.ReadFromJsonAsync<HealthReport>(WireJson.Options, cancellationToken)
                    ?? throw new ApiException(response.StatusCode, $"The server sent an empty health report for {probe}.");
            }

            throw new ApiException(response.StatusCode, await DescribeAsync(response, cancellationToken));
        }
    }
}
