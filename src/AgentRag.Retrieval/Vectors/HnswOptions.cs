using System.ComponentModel.DataAnnotations;

namespace AgentRag.Retrieval.Vectors;

/// <summary>HNSW graph settings (Malkov and Yashunin, 2018). Defaults favour recall ≥ 0.95 at 384 dimensions.</summary>
public sealed class HnswOptions
{
    /// <summary>Links per node on the upper layers; layer 0 allows 2·M.</summary>
    [Range(2, 128)]
    public int M { get; set; } = 16;

    /// <summary>Candidate list size while inserting.</summary>
    [Range(1, 4096)]
    public int EfConstruction { get; set; } = 200;

    /// <summary>Candidate list size while searching (at least k is used).</summary>
    [Range(1, 4096)]
    public int EfSearch { get; set; } = 100;

    /// <summary>Seed of the level generator, so builds are reproducible.</summary>
    public int Seed { get; set; } = 42;

    public void Validate()
    {
        if (M is < 2 or > 128)
        {
            throw new ArgumentOutOfRangeException(nameof(M), M, "HNSW M must be between 2 and 128.");
        }

        if (EfConstruction is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(EfConstruction), EfConstruction, "HNSW EfConstruction must be between 1 and 4096.");
        }

        if (EfSearch is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(EfSearch), EfSearch, "HNSW EfSearch must be between 1 and 4096.");
        }
    }
}
