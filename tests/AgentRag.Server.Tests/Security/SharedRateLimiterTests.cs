using System.Threading.RateLimiting;
using AgentRag.Server.Limits;
using AgentRag.Storage.Postgres;
using AgentRag.Storage.Postgres.Coordination;
using AgentRag.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRag.Server.Tests.Security;

/// <summary>The cluster-wide limiter when its shared counter cannot be reached: it limits per replica, never not at all (ADR 0040).</summary>
public sealed class SharedRateLimiterTests
{
    [Fact]
    public async Task AcquireAsync_DatabaseUnreachable_FallsBackToThisReplicasOwnCount()
    {
        // Nothing listens on the port: every count fails to connect at once.
        await using var database = new PostgresDatabase(new PostgresStorageOptions { ConnectionString = $"Host=127.0.0.1;Port={FreePort.Next()};Timeout=5" });
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        using var limiter = new SharedFixedWindowRateLimiter(new PostgresRateLimitCounter(database), "Requests:key", time, 2, TimeSpan.FromMinutes(1), NullLogger.Instance);

        using var first = await limiter.AcquireAsync();
        using var second = await limiter.AcquireAsync();
        using var third = await limiter.AcquireAsync();
        time.Advance(TimeSpan.FromMinutes(1));
        using var nextWindow = await limiter.AcquireAsync();

        first.IsAcquired.ShouldBeTrue();
        second.IsAcquired.ShouldBeTrue();
        third.IsAcquired.ShouldBeFalse();
        third.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter).ShouldBeTrue();
        retryAfter.ShouldBe(TimeSpan.FromMinutes(1));
        nextWindow.IsAcquired.ShouldBeTrue();
    }

    [Fact]
    public async Task AttemptAcquire_AnyCount_RefusesWithoutCountingSoTheMiddlewareAwaitsTheSharedCount()
    {
        await using var database = new PostgresDatabase(new PostgresStorageOptions { ConnectionString = $"Host=127.0.0.1;Port={FreePort.Next()};Timeout=5" });
        using var limiter = new SharedFixedWindowRateLimiter(new PostgresRateLimitCounter(database), "Requests:key", TimeProvider.System, 1, TimeSpan.FromMinutes(1), NullLogger.Instance);

        using var attempted = limiter.AttemptAcquire();
        using var acquired = await limiter.AcquireAsync();

        attempted.IsAcquired.ShouldBeFalse();
        acquired.IsAcquired.ShouldBeTrue(); // the attempt counted nothing, even in the fallback
    }
}
