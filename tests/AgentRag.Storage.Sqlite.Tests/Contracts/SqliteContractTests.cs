using AgentRag.Core;
using AgentRag.Storage.Sqlite.Files;
using AgentRag.TestKit;
using AgentRag.TestKit.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRag.Storage.Sqlite.Tests.Contracts;

// The backend contract suites (tests/AgentRag.TestKit/Contracts) run against the SQLite adapters: each class opens a
// fresh data folder, composed with AddSqliteStorage as the hosts compose it.

/// <summary>The SQLite backend of one contract test: a fresh data folder, deleted after the test.</summary>
internal sealed class SqliteBackend : IDisposable
{
    private readonly TempDirectory _data = new("agentrag-contract");

    /// <summary>The embedded storage backend as <c>UseSqlite</c> composes it: the database and the data-folder files.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddSingleton(new DataFolder(_data.Path));
        services.AddSqliteStorage(_data.Path).AddDataFolderFiles();
    }

    public void Dispose() => _data.Dispose();
}

public sealed class SqliteDocumentStoreContractTests : DocumentStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteEventLogContractTests : EventLogContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteActorStateStoreContractTests : ActorStateStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteApprovalStoreContractTests : ApprovalStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteApiKeyStoreContractTests : ApiKeyStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteAuditLogContractTests : AuditLogContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteTenantQuotaStoreContractTests : TenantQuotaStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteTenantDataStoreContractTests : TenantDataStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteSessionStoreContractTests : SessionStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteMonitoringStoreContractTests : MonitoringStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteUsageStoreContractTests : UsageStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteAnswerQualityStoreContractTests : AnswerQualityStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteBlobStoreContractTests : BlobStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteDistributedLockContractTests : DistributedLockContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteEmbeddingCacheContractTests : EmbeddingCacheContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}

public sealed class SqliteSharingStoreContractTests : SharingStoreContract, IDisposable
{
    private readonly SqliteBackend _backend = new();

    protected override void AddBackend(IServiceCollection services) => _backend.AddTo(services);

    public void Dispose() => _backend.Dispose();
}
