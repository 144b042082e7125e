using AgentRag.Core.Actors;
using AgentRag.Storage.Sqlite.Actors;
using AgentRag.TestKit;
using AgentRag.TestKit.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRag.Storage.Sqlite.Tests.Contracts;

// The backend contract suites (tests/AgentRag.TestKit/Contracts) run against the SQLite adapters: each class opens a
// fresh data folder, composed with AddSqliteStorage as the hosts compose it.

/// <summary>The SQLite backend of one contract test: a fresh data folder, deleted after the test.</summary>
internal sealed class SqliteBackend : IDisposable
{
    private readonly TempDirectory _data = new("agentrag-contract");

    public void AddTo(IServiceCollection services)
    {
        services.AddSqliteStorage(_data.Path);
        services.TryAddSingleton<IActorStateStore, SqliteActorStateStore>();
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
