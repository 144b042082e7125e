namespace AgentRag.Core.Search;

/// <summary>How a clause takes part in its boolean group, as in Lucene's <c>BooleanClause.Occur</c>.</summary>
public enum Occur
{
    /// <summary>Optional: adds to the score; a group of only optional clauses needs one of them to match.</summary>
    Should,

    /// <summary>Required (<c>+x</c>, <c>x AND y</c>): the document must match it.</summary>
    Must,

    /// <summary>Prohibited (<c>-x</c>, <c>NOT x</c>): the document must not match it; never scored.</summary>
    MustNot,
}

/// <summary>
/// A node of a parsed keyword query (the scored part; the query syntax and its parser live in
/// <c>AgentRag.Retrieval.Query</c>). <see cref="Position"/> is the 0-based offset in the query text.
/// </summary>
public abstract record QueryNode(int Position);

/// <summary>A bare word. It is analyzed like document text; a word that analyzes to several terms matches any of them.</summary>
public sealed record TermNode(string Text, int Position) : QueryNode(Position);

/// <summary>A quoted phrase: its analyzed terms must occur at the same relative positions as in the query; a removed stopword still holds its position, as in Lucene.</summary>
public sealed record PhraseNode(string Text, int Position) : QueryNode(Position);

/// <summary>A group of clauses with Lucene boolean semantics.</summary>
public sealed record BooleanNode(IReadOnlyList<BooleanClause> Clauses, int Position) : QueryNode(Position);

public sealed record BooleanClause(Occur Occur, QueryNode Node);

