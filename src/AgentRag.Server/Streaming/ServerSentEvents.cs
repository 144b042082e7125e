using System.Text;
using AgentRag.Core.Events;
using Microsoft.Net.Http.Headers;

namespace AgentRag.Server.Streaming;

/// <summary>
/// Writes a durable event stream as <c>text/event-stream</c>: the backlog after <c>Last-Event-ID</c>, then live events,
/// each with its sequence number as the SSE <c>id</c>, and a heartbeat comment every 15 seconds.
/// </summary>
public sealed class ServerSentEvents(IEventLog eventLog, TimeProvider time)
{
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Streams until <paramref name="isFinal"/> accepts an event (which is sent), or the client disconnects.
    /// </summary>
    public async Task StreamAsync(HttpContext httpContext, string tenantId, string streamId, Func<StoredEvent, bool> isFinal, CancellationToken cancellationToken)
    {
        var response = httpContext.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var lastSent = ParseLastEventId(httpContext.Request);

        using var subscription = eventLog.Subscribe(tenantId, streamId);
        await response.Body.FlushAsync(cancellationToken);

        while (true)
        {
            var backlog = await eventLog.ReadAsync(tenantId, streamId, lastSent, 1000, cancellationToken);
            for (var i = 0; i < backlog.Count; i++)
            {
                var stored = backlog[i];
                await WriteEventAsync(response, stored, cancellationToken);
                lastSent = stored.Sequence;

                // A final event ends the stream only when nothing follows it (a reprocessed document goes on).
                if (isFinal(stored) && i == backlog.Count - 1 && backlog.Count < 1000)
                {
                    await response.Body.FlushAsync(cancellationToken);
                    return;
                }
            }

            if (backlog.Count < 1000)
            {
                break;
            }
        }

        await response.Body.FlushAsync(cancellationToken);
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
                    return;
                }

                await response.WriteAsync(": heartbeat\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                nextBeat = heartbeat.WaitForNextTickAsync(cancellationToken).AsTask();
                continue;
            }

            if (!await nextEvent)
            {
                return;
            }

            while (subscription.Reader.TryRead(out var stored))
            {
                if (stored.Sequence <= lastSent)
                {
                    continue;
                }

                await WriteEventAsync(response, stored, cancellationToken);
                lastSent = stored.Sequence;
                if (isFinal(stored))
                {
                    await response.Body.FlushAsync(cancellationToken);
                    return;
                }
            }

            await response.Body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>The <c>Last-Event-ID</c> header (or <c>lastEventId</c> query parameter), or 0.</summary>
    public static long ParseLastEventId(HttpRequest request)
    {
        var raw = request.Headers["Last-Event-ID"].ToString();
        if (raw.Length == 0)
        {
            raw = request.Query["lastEventId"].ToString();
        }

        return long.TryParse(raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : 0;
    }

    private static Task WriteEventAsync(HttpResponse response, StoredEvent stored, CancellationToken cancellationToken)
    {
        var builder = new StringBuilder();
        builder.Append("id: ").Append(stored.Sequence).Append('\n');
        builder.Append("event: ").Append(stored.Type).Append('\n');
        foreach (var line in stored.Data.Split('\n'))
        {
            builder.Append("data: ").Append(line).Append('\n');
        }

        builder.Append('\n');
        return response.WriteAsync(builder.ToString(), cancellationToken);
    }
}
