using MathNet.Numerics.LinearAlgebra;

namespace Neurodecode.Models.Baselines;

/// <summary>
/// <paramref name="Standardize"/>: z-score every feature (sklearn's <c>StandardScaler</c>: population std, 1 where a
/// feature is constant) before the ridge, with the training windows' statistics. <paramref name="Alphas"/>: the grid
/// RidgeCV searches (default 10^-1 … 10^7, 17 values).
/// </summary>
public sealed record RidgeAlignerOptions(bool Standardize = true, IReadOnlyList<double>? Alphas = null)
{
    public IReadOnlyList<double> AlphaGrid => Alphas ?? RidgeCv.LogSpace(-1, 7, 17);
}

/// <summary>
/// The linear decoder the MEG papers compare against: flattened windows (channels × samples) → stimulus embedding by
/// multi-output ridge regression, alpha by leave-one-out CV (<see cref="RidgeCv"/>), optionally on standardized
/// features. Saved as a small binary file (header, then the scaler, coef and intercept as float64).
/// </summary>
public sealed class RidgeAligner : Registry.IAlignerModel
{
    public const string ModelName = "ridge";
    private static readonly byte[] Magic = "NDRIDGE1"u8.ToArray();

    private RidgeAligner(int nChans, int nTimes, bool standardize, double alpha, double[] mean, double[] scale, Matrix<double> coef, double[] intercept)
    {
        (NChans, NTimes, Standardize, Alpha, Mean, Scale, Coef, Intercept) = (nChans, nTimes, standardize, alpha, mean, scale, coef, intercept);
        _rows = coef.ToRowArrays();
    }

    private readonly double[][] _rows;   // Coef's rows, for fast dot products

    public string Name => ModelName;
    public int NChans { get; }
    public int NTimes { get; }
    public int EmbeddingDim => Coef.RowCount;
    public long ParameterCount => (long)Coef.RowCount * (Coef.ColumnCount + 1);
    public bool Standardize { get; }

    /// <summary>The alpha cross-validation chose.</summary>
    public double Alpha { get; }
    public double[] Mean { get; }
    public double[] Scale { get; }

    /// <summary>embedding dim × features, on the (standardized) features.</summary>
    public Matrix<double> Coef { get; }
    public double[] Intercept { get; }

    /// <summary>The cross-validation behind <see cref="Alpha"/> (null after loading).</summary>
    public RidgeFit? Fit { get; private init; }

    /// <param name="windows">windows × channels × samples, float32, C order.</param>
    /// <param name="targets">windows × embedding dim, row-major.</param>
    public static RidgeAligner Train(ReadOnlySpan<float> windows, int nChans, int nTimes, ReadOnlySpan<float> targets, int dim, RidgeAlignerOptions options)
    {
        int p = nChans * nTimes, n = windows.Length / p;
        if (n * p != windows.Length || targets.Length != n * dim)
            throw new ArgumentException($"{windows.Length} window values and {targets.Length} target values do not make n x {nChans} x {nTimes} and n x {dim}");
        var x = Matrix<double>.Build.Dense(n, p);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < p; j++) x[i, j] = windows[i * p + j];
        var y = Matrix<double>.Build.Dense(n, dim);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < dim; j++) y[i, j] = targets[i * dim + j];
        var mean = new double[p];
        var scale = Enumerable.Repeat(1.0, p).ToArray();
        if (options.Standardize)
        {
            for (int j = 0; j < p; j++)
            {
                var col = x.Column(j);
                double m = col.Average(), v = col.Sum(c => (c - m) * (c - m)) / n;
                mean[j] = m;
                // sklearn's _handle_zeros_in_scale: a constant feature keeps scale 1.
                scale[j] = v < 10 * double.Epsilon ? 1.0 : Math.Sqrt(v);
            }
            x.MapIndexedInplace((i, j, v) => (v - mean[j]) / scale[j]);
        }
        var fit = RidgeCv.Fit(x, y, options.AlphaGrid);
        return new RidgeAligner(nChans, nTimes, options.Standardize, fit.Alpha, mean, scale, fit.Coef, fit.Intercept) { Fit = fit };
    }

    public float[] PredictEmbeddings(ReadOnlySpan<float> windows, int batch)
    {
        int p = NChans * NTimes, d = EmbeddingDim;
        if (windows.Length != batch * p) throw new ArgumentException($"{windows.Length} values are not {batch} windows of {NChans} x {NTimes}");
        var output = new float[batch * d];
        var z = new double[p];
        for (int i = 0; i < batch; i++)
        {
            for (int j = 0; j < p; j++) z[j] = (windows[i * p + j] - Mean[j]) / Scale[j];
            for (int k = 0; k < d; k++)
                output[i * d + k] = (float)(Intercept[k] + System.Numerics.Tensors.TensorPrimitives.Dot<double>(_rows[k], z));
        }
        return output;
    }

    public void Save(string path)
    {
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        using (var w = new BinaryWriter(File.Create(temp)))
        {
            w.Write(Magic);
            w.Write(NChans); w.Write(NTimes); w.Write(EmbeddingDim); w.Write(Standardize); w.Write(Alpha);
            foreach (var v in Mean) w.Write(v);
            foreach (var v in Scale) w.Write(v);
            for (int k = 0; k < EmbeddingDim; k++)
                for (int j = 0; j < Coef.ColumnCount; j++) w.Write(Coef[k, j]);
            foreach (var v in Intercept) w.Write(v);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads a saved model; a file of another kind, another size or with non-finite values is refused in one line.</summary>
    public static RidgeAligner Load(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        try
        {
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"{path}: not a ridge aligner (no NDRIDGE1 header)");
            int nChans = r.ReadInt32(), nTimes = r.ReadInt32(), dim = r.ReadInt32();
            bool standardize = r.ReadBoolean();
            double alpha = r.ReadDouble();
            long p = (long)nChans * nTimes;
            if (nChans < 1 || nTimes < 1 || dim < 1 || r.BaseStream.Length - r.BaseStream.Position != 8 * (2 * p + dim * p + dim))
                throw new InvalidDataException($"{path}: header says {nChans} x {nTimes} windows to {dim} values, the file size does not match");
            double[] Read(long count) => Enumerable.Range(0, (int)count).Select(_ => r.ReadDouble()).ToArray();
            var mean = Read(p);
            var scale = Read(p);
            var coef = Matrix<double>.Build.Dense(dim, (int)p);
            for (int k = 0; k < dim; k++)
                for (int j = 0; j < p; j++) coef[k, j] = r.ReadDouble();
            var intercept = Read(dim);
            if (!double.IsFinite(alpha) || mean.Concat(scale).Concat(intercept).Any(v => !double.IsFinite(v)) || coef.Enumerate().Any(v => !double.IsFinite(v)))
                throw new InvalidDataException($"{path}: holds a non-finite value");
            return new RidgeAligner(nChans, nTimes, standardize, alpha, mean, scale, coef, intercept);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: ends early (truncated)");
        }
    }

    public void Dispose() { }
}
