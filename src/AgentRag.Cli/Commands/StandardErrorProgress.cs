namespace AgentRag.Cli.Commands;

/// <summary>
/// Progress lines on standard error, each after <paramref name="prefix"/>, written at once on the reporting thread
/// (<see cref="Progress{T}"/> would post them to the thread pool, out of order and possibly after the command ended).
/// </summary>
internal sealed class StandardErrorProgress(string prefix) : IProgress<string>
{
    public void Report(string value) => Console.Error.WriteLine($"{prefix}: {value}");
}
