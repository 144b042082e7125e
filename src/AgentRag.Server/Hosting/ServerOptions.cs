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
}
