using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The base of every backend contract suite (<c>DocumentStoreContract</c>, <c>EventLogContract</c>, …): each test gets a
/// fresh backend, composed the way a host composes it (a service collection), on a <see cref="ManualTimeProvider"/>.
/// A backend runs a suite by deriving one class that overrides <see cref="AddBackend"/>; every test of the suite then
/// runs against it. Tests reach the ports only through the service provider, so they hold for any backend.
/// </summary>
public abstract class BackendContract : IAsyncLifetime
{
    private readonly List<ServiceProvider> _others = [];
    private ServiceProvider? _services;

    /// <summary>The clock the backend reads: registered as the <see cref="TimeProvider"/> before <see cref="AddBackend"/> runs.</summary>
    protected ManualTimeProvider Clock { get; } = new();

    /// <summary>The backend's services; valid between <see cref="InitializeAsync"/> and <see cref="DisposeAsync"/>.</summary>
    protected IServiceProvider Services => _services ?? throw new InvalidOperationException("The backend is not open.");

    /// <summary>
    /// Registers the backend's adapters over storage that this test instance owns alone (a fresh temp folder, a fresh
    /// database or schema). Called once per test, and again by <see cref="ReopenAsync"/>, which must reach the same storage.
    /// Register with <c>TryAdd</c> semantics for <see cref="TimeProvider"/>, so the suite's clock is the one used.
    /// </summary>
    protected abstract void AddBackend(IServiceCollection services);

    /// <summary>
    /// Settings a suite needs (options of the ports it tests), applied after <see cref="AddBackend"/> so they win over the
    /// backend's defaults. A suite overrides this; a backend does not.
    /// </summary>
    protected virtual void AddSettings(IServiceCollection services)
    {
    }

    /// <summary>The backend's implementation of <typeparamref name="T"/>; fails naming the port when it registered none.</summary>
    protected T Get<T>() where T : notnull => Services.GetService<T>()
        ?? throw new InvalidOperationException($"The backend under test registered no {typeof(T).FullName}.");

    /// <summary>
    /// Disposes the backend's services (they flush what they buffer) and composes them again over the same storage, as a
    /// process restart does: what the ports call durable must be there afterwards.
    /// </summary>
    protected async Task ReopenAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        _services = Compose();
    }

    /// <summary>
    /// A second instance of the backend over the same storage, open beside the first, as another process sharing it
    /// would be (the CLI beside a server, a second replica). Disposed with the test.
    /// </summary>
    protected IServiceProvider OpenSecondInstance()
    {
        var other = Compose();
        _others.Add(other);
        return other;
    }

    public virtual Task InitializeAsync()
    {
        _services = Compose();
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var other in _others)
        {
            await other.DisposeAsync();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
            _services = null;
        }
    }

    private ServiceProvider Compose()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        AddBackend(services);
        AddSettings(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }
}
