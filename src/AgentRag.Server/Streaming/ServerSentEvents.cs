using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using AgentRag.Core.Events;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRag.Server.Streaming;

/// <summary>
/// The server's one writer of <c>text/event-stream</c> responses, over ASP.NET Core's
/// <see cref="TypedResults.ServerSentEvents{T}(IAsyncEnumerable{SseItem{T}})"/>. A durable event stream
/// (<see cref="StreamAsync"/>) is sent as the backlog after <c>Last-Event-ID</c>, then live events, each with its
/// sequence number as the SSE <c>id</c> and its type as the SSE <c>event</c>, and a <c>: heartbeat</c> comment every
/// 15 seconds of silence; the OpenAI-compatible stream (<see cref="Write"/>) sends data-only events.
/// </summary>
public sealed class ServerSentEvents(IEventLog eventLog, TimeProvider time)
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    private const int BacklogPage = 1000;

    private static readonly System.Diagnostics.Metrics.UpDownCounter<long> Connections = Core.Telemetry.AgentRagTelemetry.Meter.CreateUpDownCounter<long>(
        "agentrag.sse.connections", "{connection}", "Open server-sent event streams (queries, documents, approvals, chat completions).");

    /// <summary>The result that sends <paramref name="items"/>: every SSE response of the server is one of these.</summary>
    public static ServerSentEventsResult<string> Write(IAsyncEnumerable<SseItem<string>> items) => TypedResults.ServerSentEvents(Counted(items));

    /// <summary><paramref name="items"/>, counted in <c>agentrag.sse.connections</c> while they are being sent.</summary>
    private static async IAsyncEnumerable<SseItem<string>> Counted(IAsyncEnumerable<SseItem<string>> items, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Connections.Add(1);
        try
        {
            await foreach (var item in items.WithCancellation(cancellationToken))
            {
                yield return item;
            }
        }
        finally
        {
            Connections.Add(-1);
        }
    }

    /// <summary>An event stream with no event: for a client that has already seen a stream's end.</summary>
    public static ServerSentEventsResult<string> Empty() => Write(AsyncEnumerable.Empty<SseItem<string>>());

    /// <summary>
    /// The durable stream <paramref name="streamId"/> after the request's <c>Last-Event-ID</c>, until
    /// <paramref name="isFinal"/> accepts an event (which is sent), or the client disconnects.
    /// </summary>
    public ServerSentEventsResult<string> Stream(HttpContext httpContext, string tenantId, string streamId, Func<StoredEvent, bool> isFinal)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return Write(ReadAsync(httpContext.Response, tenantId, streamId, ParseLastEventId(httpContext.Request), isFinal, CancellationToken.None));
    }

    /// <summary>Sends <see cref="Stream"/> now, for a handler with work to do after the stream ends.</summary>
    public Task StreamAsync(HttpContext httpContext, string tenantId, string streamId, Func<StoredEvent, bool> isFinal) =>
        Stream(httpContext, tenantId, streamId, isFinal).ExecuteAsync(httpContext);

    /// <summary>The <c>Last-Event-ID</c> header (or <c>lastEventId</c> query parameter), or 0.</summary>
    public static long ParseLastEventId(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var raw = request.Headers["Last-Event-ID"].ToString();
        if (raw.Length == 0)
        {
            raw = request.Query["lastEventId"].ToString();
        }

        return long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
    }

    /// <summary>The SSE form of a stored event: its sequence as the <c>id</c>, its type as the <c>event</c>.</summary>
    public static SseItem<string> ToItem(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new SseItem<string>(stored.Data, stored.Type) { EventId = stored.Sequence.ToString(CultureInfo.InvariantCulture) };
    }

    /// <summary>
    /// The backlog, then live events. The writer flushes each item before it asks for the next, so the heartbeat comment
    /// (which an <see cref="SseItem{T}"/> cannot express) is written to the body between items.
    /// </summary>
    private async IAsyncEnumerable<SseItem<string>> ReadAsync(
        HttpResponse response, string tenantId, string streamId, long lastSent, Func<StoredEvent, bool> isFinal,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = eventLog.Subscribe(tenantId, streamId);

        // The headers go out at once: an inbox may wait long for its first event.
        await response.Body.FlushAsync(cancellationToken);
        while (true)
        {
            var backlog = await eventLog.ReadAsync(tenantId, streamId, lastSent, BacklogPage, cancellationToken);
            for (var i = 0; i < backlog.Count; i++)
            {
                var stored = backlog[i];
                yield return ToItem(stored);
                lastSent = stored.Sequence;

                // A final event ends the stream only when nothing follows it (a reprocessed document goes on).
                if (isFinal(stored) && i == backlog.Count - 1 && backlog.Count < BacklogPage)
                {
                    yield break;
                }
            }

            if (backlog.Count < BacklogPage)
            {
                break;
            }
        }

        using var heartbeat = new PeriodicTimer(HeartbeatInterval, time);
        var nextBeat = heartbeat.WaitForNextTickAsync(cancellationToken).AsTask();
        while (!cancellationToken.IsCancellationRequested)
        {
            var nextEvent = subscription.Reader.WaitToReadAsync(cancellationToken).AsTask();
            var finished = await Task.WhenAny(nextEvent, nextBeat);
            if (finished == nextBeat)
            {
                if (!await nextBeat)
                {
                    yield break;
                }

                await response.WriteAsync(": heartbeat\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                nextBeat = heartbeat.WaitForNextTickAsync(cancellationToken).AsTask();
                continue;
            }

            if (!await nextEvent)
            {
                yield break;
            }

            while (subscription.Reader.TryRead(out var stored))
            {
                if (stored.Sequence <= lastSent)
                {
                    continue;
                }

                yield return ToItem(stored);
                lastSent = stored.Sequence;
                if (isFinal(stored))
                {
                    yield break;
                }
            }
        }
    }
}
