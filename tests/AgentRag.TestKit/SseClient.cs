using System.Net.Http.Headers;

namespace AgentRag.TestKit;

/// <summary>One server-sent event as received.</summary>
public sealed record SseEvent(long? Id, string Type, string Data);

/// <summary>Reads a <c>text/event-stream</c> response event by event.</summary>
public static class SseClient
{
    public static async Task<HttpResponseMessage> OpenAsync(HttpClient client, string path, long? lastEventId = null, string? tenant = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (tenant is not null)
        {
            request.Headers.Add("X-Tenant-ID", tenant);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>The first event of <paramref name="type"/>; throws when the stream ends first or after <paramref name="timeout"/> (60 s by default).</summary>
    public static async Task<SseEvent> ReadUntilAsync(HttpResponseMessage response, string type, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await foreach (var e in ReadEventsAsync(response, cancellation.Token))
        {
            if (e.Type == type)
            {
                return e;
            }
        }

        throw new InvalidOperationException($"The stream ended without {type}.");
    }

    /// <summary>Every event of the stream until the server ends it (at most <paramref name="timeout"/>, 60 s by default).</summary>
    public static async Task<List<SseEvent>> ReadAllAsync(HttpResponseMessage response, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var events = new List<SseEvent>();
        await foreach (var e in ReadEventsAsync(response, cancellation.Token))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>Yields events until the stream ends; comments (heartbeats) are skipped.</summary>
    public static async IAsyncEnumerable<SseEvent> ReadEventsAsync(HttpResponseMessage response, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream);
        long? id = null;
        string type = "message";
        var data = new List<string>();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Count > 0)
                {
                    yield return new SseEvent(id, type, string.Join('\n', data));
                }

                id = null;
                type = "message";
                data.Clear();
                continue;
            }

            if (line.StartsWith(':'))
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id":
                    id = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data.Add(value);
                    break;
            }
        }
    }
}
