using System.ComponentModel.DataAnnotations;

namespace AgentRag.Server.Hosting;

/// <summary>HTTP settings (section <c>AgentRag:Server</c>).</summary>
public sealed class ServerOptions
{
    public const string SectionName = "AgentRag:Server";

    /// <summary>The address <c>agentrag serve</c> listens on when <c>--urls</c> is not given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Most files in one upload request.</summary>
    [Range(1, 1000)]
    public int MaxFilesPerUpload { get; set; } = 10;

    /// <summary>Most bytes of request headers (names and values); more gets 431. Kestrel's own limit is set to twice this.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;

    /// <summary>Most bytes of a request body other than an upload's (JSON requests); more gets 413.</summary>
    [Range(1024, int.MaxValue)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
