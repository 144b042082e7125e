using AgentRag.Models.Calls;
using AgentRag.Models.Configuration;
using Microsoft.Extensions.AI;

namespace AgentRag.Models.Pipeline;

/// <summary>
/// The bottom of the chat pipeline: sends each call to the client chain of the profile it names
/// (<see cref="ModelCallOptions.ProfileKey"/>, default <c>primary</c>). Throws <see cref="ModelUnavailableException"/>
/// naming the setting when that profile is not configured. Thread-safe.
/// </summary>
public sealed class ProfileChatClient : IChatClient
{
    private readonly ModelCatalog _catalog;
    private readonly Dictionary<string, IChatClient> _clients;

    public ProfileChatClient(ModelCatalog catalog, IReadOnlyDictionary<string, IChatClient> clientsByProfile)
    {
        _catalog = catalog;
        _clients = new Dictionary<string, IChatClient>(clientsByProfile, StringComparer.OrdinalIgnoreCase);
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Resolve(options).GetResponseAsync(messages, options, cancellationToken);

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Resolve(options).GetStreamingResponseAsync(messages, options, cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ModelCatalog) ? _catalog
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : _clients.TryGetValue(ModelProfileNames.Primary, out var primary) ? primary.GetService(serviceType, serviceKey)
        : null;

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    private IChatClient Resolve(ChatOptions? options)
    {
        var profile = options.GetProfile();
        if (_clients.TryGetValue(profile, out var client))
        {
            return client;
        }

        _catalog.Get(profile); // throws ModelUnavailableException naming the setting
        throw new ModelUnavailableException(profile, $"The model profile '{profile}' is configured for embeddings only and cannot answer chat calls.");
    }
}
