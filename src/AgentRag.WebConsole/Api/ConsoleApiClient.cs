using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Components.WebAssembly.Http;

namespace AgentRag.WebConsole.Api;

/// <summary>A refused or failed API call, with the server's problem (or what went wrong on the way) as a sentence.</summary>
public sealed class ApiException(HttpStatusCode? status, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    /// <summary>The HTTP status; null when no response came (the server is unreachable).</summary>
    public HttpStatusCode? Status { get; } = status;

    /// <summary>How long the server asked the client to wait (<c>Retry-After</c>), when it said.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The console's client of the public <c>/v1</c> API: every call carries the signed-in API key (when there is one) as
/// <c>Authorization: Bearer</c>, errors become <see cref="ApiException"/> with a message a person can act on, and
/// event streams are read as they arrive (the browser's fetch streaming). One per app; not thread-safe beyond what
/// <see cref="HttpClient"/> is.
/// </summary>
public sealed partial class ConsoleApiClient(HttpClient http, CredentialStore credentials)
{
    public Task<AuthStatus> GetAuthStatusAsync(CancellationToken cancellationToken = default) =>
        GetJsonAsync<AuthStatus>("v1/auth/status", cancellationToken);

    public Task<DocumentList> ListDocumentsAsync(int limit = 200, CancellationToken cancellationToken = default) =>
        GetJsonAsync<DocumentList>($"v1/documents?limit={limit}", cancellationToken);

    public async Task DeleteDocumentAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/documents/{Uri.EscapeDataString(id)}"), cancellationToken);
    }

    public async Task ReprocessDocumentAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, $"v1/documents/{Uri.EscapeDataString(id)}/reprocess"), cancellationToken);
    }

    /// <summary>The tenant's conversations, most recently used first.</summary>
    public Task<SessionList> ListSessionsAsync(int limit = 50, CancellationToken cancellationToken = default) =>
        GetJsonAsync<SessionList>($"v1/sessions?limit={limit}", cancellationToken);

    public Task<SessionDetail> GetSessionAsync(string id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<SessionDetail>($"v1/sessions/{Uri.EscapeDataString(id)}", cancellationToken);

    public async Task DeleteSessionAsync(string id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/sessions/{Uri.EscapeDataString(id)}"), cancellationToken);
    }

    /// <summary>A query's workflow as stored: its status and, once answered, the answer with its citations.</summary>
    public Task<QueryState> GetQueryAsync(string workflowId, CancellationToken cancellationToken = default) =>
        GetJsonAsync<QueryState>($"v1/queries/{Uri.EscapeDataString(workflowId)}", cancellationToken);

    /// <summary>Rates an answer <c>up</c> or <c>down</c>; a second rating replaces the first.</summary>
    public async Task<AnswerFeedback> RateAnswerAsync(string workflowId, string rating, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"v1/queries/{Uri.EscapeDataString(workflowId)}/feedback")
        {
            Content = JsonContent.Create(new { rating }, options: WireJson.Options),
        };
        using var response = await SendAsync(request, cancellationToken);
        return await response.Content.ReadFromJsonAsync<AnswerFeedback>(WireJson.Options, cancellationToken)
            ?? throw new ApiException(response.StatusCode, "The server sent an empty answer to the feedback.");
    }

    public Task<DocumentSummary> GetDocumentAsync(string id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<DocumentSummary>($"v1/documents/{Uri.EscapeDataString(id)}", cancellationToken);

    public Task<IReadOnlyList<DocumentChunk>> GetChunksAsync(string id, CancellationToken cancellationToken = default) =>
        GetJsonAsync<IReadOnlyList<DocumentChunk>>($"v1/documents/{Uri.EscapeDataString(id)}/chunks", cancellationToken);

    /// <summary>The cited passage with its context: at the quote's span when the citation has one, else found by its text.</summary>
    public Task<PassageContext> GetPassageAsync(Citation citation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(citation);
        var page = citation.QuoteSpan?.Page ?? citation.Page ?? 0;
        var query = citation.QuoteSpan is { } span
            ? $"page={page}&start={span.Start}&end={span.End}"
            : $"page={page}&quote={Uri.EscapeDataString(citation.Quote)}";
        return GetJsonAsync<PassageContext>($"v1/documents/{Uri.EscapeDataString(citation.DocumentId)}/passage?{query}", cancellationToken);
    }

    /// <summary>Asks <paramref name="question"/> (within <paramref name="filters"/>, when given) and yields the workflow's events as they come (<c>Accept: text/event-stream</c>).</summary>
    public IAsyncEnumerable<SseItem<string>> AskAsync(string question, string? sessionId, ChatFilters? filters = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/queries")
        {
            Content = JsonContent.Create(new { query = question, sessionId, filters = filters is { IsEmpty: false } ? filters : null }, options: WireJson.Options),
        };
        return StreamAsync(request, cancellationToken);
    }

    /// <summary>
    /// Follows a document's ingestion events until its run ends (<c>ready</c> or <c>failed</c>); from
    /// <paramref name="lastEventId"/> on (the id of the <c>ready</c> event), the semantic stage's <c>embedding</c> events
    /// until <c>embedded</c>.
    /// </summary>
    public IAsyncEnumerable<SseItem<string>> FollowDocumentAsync(string id, string? lastEventId = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"v1/documents/{Uri.EscapeDataString(id)}/events");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return StreamAsync(request, cancellationToken);
    }

    /// <summary>The headers an upload made outside this client (the browser's XMLHttpRequest, for its progress) must send.</summary>
    public async Task<Dictionary<string, string>> AuthorizationHeadersAsync()
    {
        var key = await credentials.GetApiKeyAsync();
        return key is null ? [] : new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" };
    }

    /// <summary>The base address the console is served from (and the API is at).</summary>
    public Uri BaseAddress => http.BaseAddress!;

    private async IAsyncEnumerable<SseItem<string>> StreamAsync(HttpRequestMessage request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.SetBrowserResponseStreamingEnabled(true);
        using var response = await SendAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            yield return item;
        }
    }

    private async Task<T> GetJsonAsync<T>(string uri, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, uri), cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(WireJson.Options, cancellationToken)
            ?? throw new ApiException(response.StatusCode, $"The server sent an empty answer to {uri}.");
    }

    private async Task<HttpResponseMessage> SendAsync(
        HttpRequestMessage request, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using (request)
        {
            if (await credentials.GetApiKeyAsync() is { } key)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, completion, cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                throw new ApiException(null, $"The server cannot be reached ({ex.Message}). Check that it is running and that you are online.");
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                throw new ApiException(response.StatusCode, await DescribeAsync(response, cancellationToken), RetryAfterOf(response));
            }
        }
    }

    /// <summary>The wait a <c>Retry-After</c> header asks for (seconds or a date), if any.</summary>
    private static TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>A sentence for a refused request: the problem's detail, framed by what the status means to a person.</summary>
    internal static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        Problem? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<Problem>(WireJson.Options, cancellationToken);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or NotSupportedException)
        {
            // Not a ProblemDetails body: the status says enough.
        }

        var detail = problem?.Detail ?? problem?.Title ?? response.ReasonPhrase ?? "";
        return Describe(response.StatusCode, detail, RetryAfterOf(response));
    }

    /// <summary>What a status means to a person, with the server's detail.</summary>
    public static string Describe(HttpStatusCode status, string detail, TimeSpan? retryAfter = null) => status switch
    {
        HttpStatusCode.Unauthorized => $"Sign in again: the server did not accept the API key. {detail}",
        HttpStatusCode.Forbidden => $"Your key's role may not do this. {detail}",
        HttpStatusCode.TooManyRequests => $"Rate limited: try again{(retryAfter is { } wait ? $" in {Math.Ceiling(wait.TotalSeconds)} s" : " shortly")}. {detail}",
        HttpStatusCode.PaymentRequired => $"Budget exhausted. {detail}",
        HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout => $"The model is unavailable. {detail}",
        _ => $"{(int)status} {detail}",
    };
}
