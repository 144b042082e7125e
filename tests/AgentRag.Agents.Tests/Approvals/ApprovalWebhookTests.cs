using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentRag.Agents.Approvals;
using AgentRag.Agents.Workflows;
using AgentRag.Core;
using AgentRag.Core.Approvals;
using AgentRag.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRag.Agents.Tests.Approvals;

/// <summary>Webhook deliveries to a real loopback receiver, on a manual clock for the retry backoff.</summary>
public sealed class ApprovalWebhookTests : IAsyncLifetime
{
    private const string Secret = "webhook-secret-0123456789";

    private readonly TempDirectory _data = new("agentrag-approval-webhooks");
    private readonly ManualTimeProvider _time = new();
    private readonly LoopbackReceiver _receiver = new();

    public Task InitializeAsync() => _receiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _data.Dispose();
    }

    private Dictionary<string, string?> Settings(int attempts) => new()
    {
        ["AgentRag:Approvals:Tenants:acme:WebhookUrl"] = _receiver.Url,
        ["AgentRag:Approvals:Tenants:acme:WebhookSecret"] = Secret,
        ["AgentRag:Approvals:WebhookMaxAttempts"] = attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["AgentRag:Approvals:WebhookRetryDelay"] = "00:00:02",
        ["AgentRag:Approvals:WebhookTimeout"] = "00:05:00",
    };

    [Fact]
    public async Task Webhook_ReceiverFailsTwice_RetriedWithBackoffSignedAndNeverBlocksTheWorkflow()
    {
        _receiver.FailFirst["approval.required"] = 2;
        var logs = new CapturingLogs();
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings(attempts: 4), logs: logs);
        var workflowId = await host.StartAsync("Where do device lock files go?", tenant: "acme");
        var approvalId = await host.WaitForApprovalAsync(workflowId, tenant: "acme");
        await _receiver.WaitForAsync(1);

        // The receiver is failing and the delivery is waiting for its retry: the workflow goes on regardless.
        (await host.DecideAsync(approvalId, ApprovalDecision.Approve, tenant: "acme")).Outcome.ShouldBe(ApprovalDecisionOutcome.Applied);
        (await host.WaitForEndAsync(workflowId, tenant: "acme")).Last().Type.ShouldBe(WorkflowEvents.Done);
        await _time.RunAsync(_receiver.WaitForAsync(4), TimeSpan.FromMinutes(2));
        await logs.WaitForAsync(m => m.Contains("approval.required", StringComparison.Ordinal) && m.Contains("delivered", StringComparison.Ordinal));
        await logs.WaitForAsync(m => m.Contains("approval.resolved", StringComparison.Ordinal) && m.Contains("delivered", StringComparison.Ordinal));

        var required = _receiver.Requests.Where(r => r.Event == ApprovalEvents.Required).ToList();
        required.Select(r => r.Status).ShouldBe([503, 503, 200]);
        required.Select(r => r.DeliveryId).Distinct().Count().ShouldBe(1);
        required.Select(r => r.Body).Distinct().Count().ShouldBe(1);
        required[1].ReceivedAt.ShouldBeGreaterThan(required[0].ReceivedAt); // the retries waited on the clock
        required[2].ReceivedAt.ShouldBeGreaterThan(required[1].ReceivedAt);
        foreach (var request in _receiver.Requests)
        {
            var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(request.Body)));
            request.Signature.ShouldBe(expected);
            request.Tenant.ShouldBe("acme");
        }

        var body = JsonDocument.Parse(required[0].Body).RootElement;
        body.GetProperty("type").GetString().ShouldBe(ApprovalEvents.Required);
        body.GetProperty("tenantId").GetString().ShouldBe("acme");
        body.GetProperty("data").GetProperty("approvalId").GetString().ShouldBe(approvalId);
        body.GetProperty("approval").GetProperty("context").GetProperty("query").GetString().ShouldBe("Where do device lock files go?");
        var resolved = _receiver.Requests.Single(r => r.Event == ApprovalEvents.Resolved);
        JsonDocument.Parse(resolved.Body).RootElement.GetProperty("data").GetProperty("status").GetString().ShouldBe("approved");
        var dispatcher = host.Services.GetRequiredService<ApprovalWebhookDispatcher>();
        (dispatcher.Delivered, dispatcher.Failed, dispatcher.Attempts).ShouldBe((2L, 0L, 4L));
        logs.Messages.ShouldContain(m => m.Contains("approval.required", StringComparison.Ordinal) && m.Contains("after 3 attempt(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Webhook_ReceiverAlwaysFails_GivesUpAfterMaxAttemptsAndLogsTheFailure()
    {
        _receiver.FailFirst["approval.required"] = int.MaxValue;
        var logs = new CapturingLogs();
        await using var host = await ApprovalHost.StartAsync(_data.Path, _time, settings: Settings(attempts: 3), logs: logs);
        var workflowId = await host.StartAsync("Where do device lock files go?", tenant: "acme");
        await host.WaitForApprovalAsync(workflowId, tenant: "acme");

        var failure = await _time.RunAsync(logs.WaitForAsync(m => m.Contains("failed; giving up", StringComparison.Ordinal)), TimeSpan.FromMinutes(2));

        failure.ShouldContain($"Approval webhook approval.required (delivery whd_");
        failure.ShouldContain(_receiver.Url);
        _receiver.Requests.Count(r => r.Event == ApprovalEvents.Required).ShouldBe(3);
        logs.Messages.Count(m => m.Contains("retrying in", StringComparison.Ordinal)).ShouldBe(2);
        host.Services.GetRequiredService<ApprovalWebhookDispatcher>().Failed.ShouldBe(1);
        (await host.StateAsync(workflowId, "acme"))!.Status.ShouldBe(WorkflowStatus.AwaitingApproval);
    }

    /// <summary>A real HTTP server on loopback that records webhook requests and fails the first N of an event type with 503.</summary>
    private sealed class LoopbackReceiver : IAsyncDisposable
    {
        private readonly int _port = FreePort.Next();
        private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);
        private readonly List<TaskCompletionSource> _waiters = [];
        private WebApplication? _app;

        public string Url => $"http://127.0.0.1:{_port}/hooks/approvals";

        public ConcurrentDictionary<string, int> FailFirst { get; } = new(StringComparer.Ordinal);

        public ConcurrentQueue<Received> Requests { get; } = new();

        public async Task StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{_port}");
            builder.Logging.ClearProviders();
            _app = builder.Build();
            _app.MapPost("/hooks/approvals", async (HttpContext context) =>
            {
                using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var type = context.Request.Headers[ApprovalWebhookDispatcher.EventHeader].ToString();
                var count = _seen.AddOrUpdate(type, 1, (_, n) => n + 1);
                var status = count <= FailFirst.GetValueOrDefault(type) ? 503 : 200;
                Requests.Enqueue(new Received(type, context.Request.Headers[ApprovalWebhookDispatcher.DeliveryHeader].ToString(),
                    context.Request.Headers[ApprovalWebhookDispatcher.SignatureHeader].ToString(), context.Request.Headers[ApprovalWebhookDispatcher.TenantHeader].ToString(),
                    body, status, Stopwatch()));
                lock (_waiters)
                {
                    foreach (var waiter in _waiters)
                    {
                        waiter.TrySetResult();
                    }

                    _waiters.Clear();
                }

                return Results.StatusCode(status);
            });
            await _app.StartAsync();
        }

        /// <summary>Completes once at least <paramref name="count"/> requests arrived.</summary>
        public async Task WaitForAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                Task next;
                lock (_waiters)
                {
                    if (Requests.Count >= count)
                    {
                        return;
                    }

                    var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiters.Add(waiter);
                    next = waiter.Task;
                }

                await next.WaitAsync(timeout.Token);
            }
        }

        private long _order;

        private long Stopwatch() => Interlocked.Increment(ref _order);

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }

        public sealed record Received(string Event, string DeliveryId, string Signature, string Tenant, string Body, int Status, long ReceivedAt);
    }

    /// <summary>Collects formatted log messages and lets a test wait for one.</summary>
    private sealed class CapturingLogs : ILoggerProvider
    {
        private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public Task<string> WaitForAsync(Func<string, bool> match)
        {
            var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_waiters)
            {
                if (Messages.FirstOrDefault(match) is { } already)
                {
                    return Task.FromResult(already);
                }

                _waiters.Add((match, seen));
            }

            return seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        public void Dispose()
        {
        }

        private void Add(string message)
        {
            lock (_waiters)
            {
                Messages.Enqueue(message);
                foreach (var waiter in _waiters.Where(w => w.Match(message)).ToList())
                {
                    waiter.Seen.TrySetResult(message);
                    _waiters.Remove(waiter);
                }
            }
        }

        private sealed class Logger(CapturingLogs owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Add(formatter(state, exception));
        }
    }
}
