using Microsoft.JSInterop;

namespace AgentRag.WebConsole.Api;

/// <summary>
/// The signed-in API key, held in the browser's session storage only (gone when the tab closes; never in local storage
/// or a cookie). Cached after the first read.
/// </summary>
public sealed class CredentialStore(IJSRuntime js)
{
    private const string StorageKey = "agentrag.apiKey";
    private string? _key;
    private bool _loaded;

    /// <summary>Raised when the key is set or cleared.</summary>
    public event Action? Changed;

    public async ValueTask<string?> GetApiKeyAsync()
    {
        if (!_loaded)
        {
            _key = await js.InvokeAsync<string?>("sessionStorage.getItem", StorageKey);
            _loaded = true;
        }

        return _key;
    }

    public async ValueTask SetApiKeyAsync(string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        await js.InvokeVoidAsync("sessionStorage.setItem", StorageKey, key.Trim());
        (_key, _loaded) = (key.Trim(), true);
        Changed?.Invoke();
    }

    public async ValueTask ClearAsync()
    {
        await js.InvokeVoidAsync("sessionStorage.removeItem", StorageKey);
        (_key, _loaded) = (null, true);
        Changed?.Invoke();
    }
}
