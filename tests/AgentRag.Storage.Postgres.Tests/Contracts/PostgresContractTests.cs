using AgentRag.Core;
using AgentRag.TestKit;
using AgentRag.TestKit.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Storage.Postgres.Tests.Contracts;

// Every backend contract suite (tests/AgentRag.TestKit/Contracts) against the PostgreSQL adapters: each test gets a
// fresh database on the server test.sh starts, composed with AddPostgresStorage as UsePostgres composes it.

/// <summary>The PostgreSQL backend of one contract test: a fresh database and a fresh folder for files, both deleted after it.</summary>
internal sealed class PostgresBackend : IDisposable
{
    private readonly PostgresTestDatabase _database = new();
    private readonly TempDirectory _files = new("agentrag-contract");

    /// <summary>The PostgreSQL storage backend over this test's database, its files in this test's folder.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton(new DataFolder(_files.Path));
        services.AddPostgresStorage(options => options.ConnectionString = _database.ConnectionString);
    }

    public void Dispose()
    {
        _database.Dispose();
        _files.Dispose();
    }
}

public sealed class PostgresDocumentStoreContractTests : DocumentStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresEventLogContractTests : EventLogContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresActorStateStoreContractTests : ActorStateStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresApprovalStoreContractTests : ApprovalStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresApiKeyStoreContractTests : ApiKeyStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresAuditLogContractTests : AuditLogContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresTenantQuotaStoreContractTests : TenantQuotaStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresTenantDataStoreContractTests : TenantDataStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresSessionStoreContractTests : SessionStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresMonitoringStoreContractTests : MonitoringStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresUsageStoreContractTests : UsageStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresAnswerQualityStoreContractTests : AnswerQualityStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresBlobStoreContractTests : BlobStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresDistributedLockContractTests : DistributedLockContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresEmbeddingCacheContractTests : EmbeddingCacheContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresIngestionQueueContractTests : IngestionQueueContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresRateLimitCounterContractTests : RateLimitCounterContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class PostgresSharingStoreContractTests : SharingStoreContract, IDisposable
{
    private readonly PostgresBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}
