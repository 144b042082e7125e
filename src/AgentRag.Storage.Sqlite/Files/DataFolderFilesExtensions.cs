using AgentRag.Core;
using AgentRag.Core.Coordination;
using AgentRag.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRag.Storage.Sqlite.Files;

/// <summary>Registers the data-folder half of the embedded storage backend (the SQLite database is the other).</summary>
public static class DataFolderFilesExtensions
{
    /// <summary>
    /// Registers <see cref="IBlobStore"/> as <see cref="FileSystemBlobStore"/> and <see cref="IDistributedLock"/> as
    /// <see cref="FileDistributedLock"/> (lock files on the system clock), both over the registered <see cref="DataFolder"/>
    /// (which must be registered). Registrations already made win, so a host may register other backends first.
    /// </summary>
    public static IServiceCollection AddDataFolderFiles(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IBlobStore>(sp => new FileSystemBlobStore(RequireDataFolder(sp)));
        services.TryAddSingleton<IDistributedLock>(sp => new FileDistributedLock(RequireDataFolder(sp).Root, TimeProvider.System));
        return services;
    }

    private static DataFolder RequireDataFolder(IServiceProvider services) =>
        services.GetService<DataFolder>()
        ?? throw new InvalidOperationException("The data-folder files (AddDataFolderFiles) need a DataFolder registration: register the data folder first.");
}
