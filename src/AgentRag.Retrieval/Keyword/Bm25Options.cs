using System.ComponentModel.DataAnnotations;

namespace AgentRag.Retrieval.Keyword;

/// <summary>BM25 keyword index settings (section <c>AgentRag:Retrieval:Bm25</c>). Defaults are Anserini's.</summary>
public sealed class Bm25Options
{
    public const string SectionName = "AgentRag:Retrieval:Bm25";

    /// <summary>Term-frequency saturation. Anserini's default 0.9.</summary>
    [Range(0.0, 10.0)]
    public float K1 { get; set; } = 0.9f;

    /// <summary>Document-length normalization, 0 (none) to 1 (full). Anserini's default 0.4.</summary>
    [Range(0.0, 1.0)]
    public float B { get; set; } = 0.4f;

    /// <summary>
    /// Score with document lengths rounded as Lucene's one-byte norms round them (needed for Anserini parity).
    /// False scores with exact lengths.
    /// </summary>
    public bool LuceneLengthNorms { get; set; } = true;

    /// <summary>Rebuild the postings without deleted chunks once this fraction of the chunks is deleted.</summary>
    [Range(0.05, 1.0)]
    public double CompactionRatio { get; set; } = 0.3;

    /// <summary>Write a fresh snapshot (and empty the journal) once the journal exceeds this many bytes.</summary>
    [Range(1024, long.MaxValue)]
    public long JournalSnapshotBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Flush every journal record to the disk before the write returns. Turn off only for throwaway indexes.</summary>
    public bool SyncJournalWrites { get; set; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the setting when a value is out of range.</summary>
    public void Validate()
    {
        if (!float.IsFinite(K1) || K1 is < 0 or > 10)
        {
            throw new ArgumentOutOfRangeException(nameof(K1), K1, $"{SectionName}:{nameof(K1)} must be between 0 and 10.");
        }

        if (!float.IsFinite(B) || B is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(B), B, $"{SectionName}:{nameof(B)} must be between 0 and 1.");
        }

        if (CompactionRatio is < 0.05 or > 1 || double.IsNaN(CompactionRatio))
        {
            throw new ArgumentOutOfRangeException(nameof(CompactionRatio), CompactionRatio, $"{SectionName}:{nameof(CompactionRatio)} must be between 0.05 and 1.");
        }

        if (JournalSnapshotBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(JournalSnapshotBytes), JournalSnapshotBytes, $"{SectionName}:{nameof(JournalSnapshotBytes)} must be at least 1024.");
        }
    }
}
