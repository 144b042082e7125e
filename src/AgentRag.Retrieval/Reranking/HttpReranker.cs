using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRag.Core.Text;
using AgentRag.Core.Usage;
using AgentRag.Models;
using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using AgentRag.Models.Resilience;
using AgentRag.Models.Usage;
using AgentRag.Retrieval.Search;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Retrieval.Reranking;

/// <summary>
/// <see cref="IReranker"/> over the common rerank API that TEI, Jina, Cohere-compatible servers and vLLM serve:
/// <c>POST {endpoint}/rerank</c> with <c>{model, query, documents, top_n}</c>, answered with
/// <c>{"results": [{"index", "relevance_score"}]}</c> (TEI's bare <c>[{"index", "score"}]</c> is read too). The endpoint,
/// model, key and timeout are the model layer's <c>rerank</c> profile; retries, the circuit breaker and the per-attempt
/// timeout are the profile's resilience pipeline. Each call records a usage row (operation <c>rerank</c>, tokens
/// estimated unless the server reports them). Thread-safe.
/// </summary>
public sealed class HttpReranker : IReranker, IDisposable
{
    /// <summary>The usage operation of a rerank call.</summary>
    public const string UsageOperation = "rerank";

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ModelProfile _profile;
    private readonly ModelResiliencePipelines _resilience;
    private readonly IUsageStore? _usage;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Uri _uri;

    public HttpReranker(
        ModelProfile profile, ModelResiliencePipelines resilience, TimeProvider time, IUsageStore? usage = null, HttpClient? http = null,
        ILogger<HttpReranker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(resilience);
        ArgumentNullException.ThrowIfNull(time);
        _profile = profile;
        _resilience = resilience;
        _time = time;
        _usage = usage;
        _ownsHttp = http is null;
        // The profile's resilience pipeline owns the per-attempt timeout.
        _http = http ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _uri = new Uri(profile.Endpoint.ToString().TrimEnd('/') + "/rerank");
    }

    public ModelProfile Profile => _profile;

    /// <inheritdoc />
    /// <exception cref="ModelCallException">The server failed after the retries (the message names the profile and setting), or its answer does not cover every document.</exception>
    public async Task<IReadOnlyList<double>> ScoreAsync(string query, IReadOnlyList<string> documents, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0)
        {
            return [];
        }

        var context = ModelCallContext.Current ?? new ModelCallContext();
        var startedAt = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        long? reportedTokens = null;
        Exception? failure = null;
        try
        {
            var (scores, tokens) = await _resilience.For(_profile).ExecuteAsync(
                async token => await SendAsync(query, documents, token), cancellationToken);
            reportedTokens = tokens;
            return scores;
        }
        catch (Exception ex)
        {
            failure = ModelResiliencePipelines.Translate(ex, _profile);
            if (ReferenceEquals(failure, ex))
            {
                throw;
            }

            throw failure;
        }
        finally
        {
            await RecordUsageAsync(context, query, documents, startedAt, started, reportedTokens, failure);
        }
    }

    private async Task<(double[] Scores, long? Tokens)> SendAsync(string query, IReadOnlyList<string> documents, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = _profile.Model,
            ["query"] = query,
            ["documents"] = new JsonArray([.. documents.Select(d => (JsonNode?)JsonValue.Create(d))]),
            ["top_n"] = documents.Count,
            ["return_documents"] = false,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _profile.Authorize(request);

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw Failure(ModelFailureKind.Unreachable, $"cannot be reached: {ex.Message}", null, null, ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var status = (int)response.StatusCode;
                var kind = response.StatusCode switch
                {
                    HttpStatusCode.TooManyRequests => ModelFailureKind.RateLimited,
                    HttpStatusCode.RequestTimeout => ModelFailureKind.ServerError,
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ModelFailureKind.Unauthorized,
                    HttpStatusCode.NotFound => ModelFailureKind.ModelNotFound,
                    _ when status >= 500 => ModelFailureKind.ServerError,
                    _ => ModelFailureKind.BadRequest,
                };
                var hint = kind switch
                {
                    ModelFailureKind.Unauthorized => $" Check the API key ({_profile.SettingPath}:ApiKey).",
                    ModelFailureKind.ModelNotFound => $" Check {_profile.SettingPath}:Endpoint (it must serve /rerank) and :Model.",
                    _ => "",
                };
                throw Failure(kind, $"answered HTTP {status}: {TextPreview.OneLine(text, 300)}.{hint}", status, RetryAfter(response), null);
            }

            try
            {
                return Parse(text, documents.Count);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                throw Failure(ModelFailureKind.MalformedResponse, $"sent a rerank answer that cannot be read: {ex.Message}", null, null, ex);
            }
        }
    }

    /// <summary>Reads <c>{"results":[{"index","relevance_score"}]}</c> or TEI's <c>[{"index","score"}]</c>; every document must be scored once.</summary>
    internal static (double[] Scores, long? Tokens) Parse(string json, int count)
    {
        var root = JsonNode.Parse(json) ?? throw new FormatException("the body is empty");
        var results = root switch
        {
            JsonArray array => array,
            JsonObject obj when obj["results"] is JsonArray array => array,
            JsonObject obj when obj["data"] is JsonArray array => array,
            _ => throw new FormatException("expected a 'results' array"),
        };
        var scores = new double[count];
        var seen = new bool[count];
        foreach (var item in results)
        {
            var index = item?["index"]?.GetValue<int>() ?? throw new FormatException("a result has no 'index'");
            var scoreNode = item["relevance_score"] ?? item["score"] ?? throw new FormatException($"result {index} has no 'relevance_score'");
            var score = scoreNode.GetValue<double>();
            if (index < 0 || index >= count || seen[index])
            {
                throw new FormatException($"result index {index} is out of range or repeated for {count} documents");
            }

            if (!double.IsFinite(score))
            {
                throw new FormatException($"result {index} has a non-finite score");
            }

            seen[index] = true;
            scores[index] = score;
        }

        var missing = Array.IndexOf(seen, false);
        if (missing >= 0)
        {
            throw new FormatException($"document {missing} of {count} has no score");
        }

        long? tokens = root is JsonObject o
            ? (o["usage"]?["total_tokens"] ?? o["meta"]?["billed_units"]?["input_tokens"])?.GetValue<long>()
            : null;
        return (scores, tokens);
    }

    private async Task RecordUsageAsync(
        ModelCallContext context, string query, IReadOnlyList<string> documents, DateTimeOffset startedAt, long started, long? reportedTokens, Exception? failure)
    {
        if (_usage is null)
        {
            return;
        }

        var succeeded = failure is null;
        var tokens = reportedTokens ?? (succeeded ? TokenEstimator.Estimate(query) * documents.Count + documents.Sum(TokenEstimator.Estimate) : 0);
        try
        {
            await _usage.RecordAsync(UsageRecords.For(context, _profile, UsageOperation, startedAt, failure) with
            {
                InputTokens = tokens,
                Estimated = succeeded && reportedTokens is null,
                Latency = _time.GetElapsedTime(started),
                CostNanoUsd = _profile.Prices.CostNanoUsd(tokens, 0, 0),
            }, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Usage is bookkeeping: a failure to record it must not fail the search.
            _logger.LogError(ex, "Could not record usage of rerank profile {Profile}.", _profile.Name);
        }
    }

    private ModelCallException Failure(ModelFailureKind kind, string detail, int? status, TimeSpan? retryAfter, Exception? inner) =>
        new(kind, _profile.Name, _profile.Model, _profile.Endpoint,
            $"Rerank profile '{_profile.Name}' ({_profile.Model} at {_uri}) {detail}", status, retryAfter, inner);

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta)
            {
                return delta;
            }

            if (header.Date is { } date)
            {
                var wait = date - _time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return response.Headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : null;
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
