namespace AgentRag.Retrieval.Benchmarks;

/// <summary>
/// Seeded clustered vectors for recall tests and benchmarks: cluster centres are random Gaussian directions and
/// each point is its centre plus Gaussian noise of standard deviation <c>spread</c> per component.
/// </summary>
public sealed class SyntheticVectors(int dimensions, int clusters, float spread, int seed)
{
    private readonly Random _random = new(seed);
    private float[][]? _centres;

    public int Dimensions { get; } = dimensions;

    /// <summary>The next <paramref name="count"/> vectors (the sequence continues across calls).</summary>
    public float[][] Next(int count)
    {
        _centres ??= Enumerable.Range(0, clusters).Select(_ => Gaussian(1f)).ToArray();
        var vectors = new float[count][];
        for (var i = 0; i < count; i++)
        {
            var centre = _centres[_random.Next(clusters)];
            var noise = Gaussian(spread);
            for (var d = 0; d < Dimensions; d++)
            {
                noise[d] += centre[d];
            }

            vectors[i] = noise;
        }

        return vectors;
    }

    private float[] Gaussian(float sigma)
    {
        var v = new float[Dimensions];
        for (var d = 0; d < Dimensions; d++)
        {
            // Box-Muller
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            v[d] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2) * sigma);
        }

        return v;
    }
}
