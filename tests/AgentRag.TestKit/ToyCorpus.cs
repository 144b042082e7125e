namespace AgentRag.TestKit;

/// <summary>Five one-line documents small enough to rank by hand: the keyword engines' shared toy corpus.</summary>
public static class ToyCorpus
{
    /// <summary>The documents <c>d1</c>–<c>d5</c>; only <c>d1</c> and <c>d2</c> mention "cat", and <c>d2</c> repeats "dog".</summary>
    public static readonly (string Id, string Text)[] Documents =
    [
        ("d1", "cat sat mat"),
        ("d2", "dog dog dog dog cat"),
        ("d3", "bird flies high"),
        ("d4", "fish swims deep water"),
        ("d5", "cows moo loudly"),
    ];
}
