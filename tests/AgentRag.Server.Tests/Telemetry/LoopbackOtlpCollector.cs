using System.Net;
using AgentRag.TestKit;

namespace AgentRag.Server.Tests.Telemetry;

/// <summary>An OTLP/HTTP (protobuf) endpoint on loopback that records what the exporter posts.</summary>
public sealed class LoopbackOtlpCollector : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public LoopbackOtlpCollector()
    {
        var port = FreePort.Next();
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                lock (Received)
                {
                    Received.Add((context.Request.Url!.AbsolutePath, body.ToArray()));
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        });
    }

    public string Url { get; }

    public List<(string Path, byte[] Body)> Received { get; } = [];

    /// <summary>Every span received on <c>/v1/traces</c> so far, decoded.</summary>
    public IReadOnlyList<OtlpSpan> Spans()
    {
        lock (Received)
        {
            return [.. Received.Where(r => r.Path == "/v1/traces").SelectMany(r => OtlpSpan.ReadExportRequest(r.Body))];
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
