namespace AgentRag.Models;

/// <summary>
/// A call failed on its profile and then on the <c>fallback</c> profile. <see cref="Failures"/> holds both errors, in
/// order; the orchestrator's next step is the extractive answer.
/// </summary>
public sealed class ModelChainExhaustedException(IReadOnlyList<ModelException> failures)
    : ModelException(
        $"Every model in the chain failed: {string.Join(" Then: ", failures.Select(f => f.Message))}",
        failures.Count > 0 ? failures[^1] : null)
{
    public IReadOnlyList<ModelException> Failures { get; } = failures;
}
