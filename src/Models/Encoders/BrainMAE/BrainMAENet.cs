using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Neurodecode.Models.Encoders.BrainMAE;

/// <summary>
/// The BrainMAE-style network. A window (B, R, T) is cut into S segments of L volumes per region; each (region,
/// segment) becomes a token:
/// <code>
/// token[r, s] = segment_embedding(x[r, sL : (s+1)L])   (Linear L → d; a masked segment's is replaced by mask_token)
///             + region_embedding[r] + segment_position[s]
/// graph_layers:    embedding-informed graph attention among the R regions of each segment
/// temporal_layers: transformer over the S segments of each region
/// norm:            final LayerNorm → features (B, R, S, d)
/// </code>
/// The embedding head keeps <c>decoder</c> (Linear d → L: a token's features back to its segment's volumes, what
/// masked-segment pretraining trains) and outputs the pooled embedding; the classification head is
/// <c>head</c> (Linear d → n_outputs) on the dropped-out pooled embedding. The encoder is every tensor but
/// <c>decoder.*</c> and <c>head.*</c> (<see cref="IsEncoderTensor"/>).
/// </summary>
public sealed class BrainMAENet : nn.Module<Tensor, Tensor>
{
    private readonly Linear segment_embedding;
    private readonly Parameter region_embedding;
    private readonly Parameter segment_position;
    private readonly Parameter mask_token;
    private readonly ModuleList<GraphAttentionLayer> graph_layers;
    private readonly ModuleList<TemporalLayer> temporal_layers;
    private readonly LayerNorm norm;
    private readonly Linear? decoder;
    private readonly Dropout? head_dropout;
    private readonly Linear? head;

    public BrainMAENet(BrainMAEConfig config) : base(nameof(BrainMAENet))
    {
        config.Validate();
        Config = config;
        long d = config.DModel;
        segment_embedding = nn.Linear(config.SegmentVolumes, d);
        region_embedding = new Parameter(empty(config.NChans, d));
        segment_position = new Parameter(empty(config.NSegments, d));
        mask_token = new Parameter(empty(d));
        graph_layers = nn.ModuleList(Enumerable.Range(0, config.GraphLayers).Select(_ => new GraphAttentionLayer(config)).ToArray());
        temporal_layers = nn.ModuleList(Enumerable.Range(0, config.TemporalLayers).Select(_ => new TemporalLayer(config)).ToArray());
        norm = nn.LayerNorm(d, eps: 1e-5);
        if (config.Head == BrainMAEHead.Embedding)
        {
            decoder = nn.Linear(d, config.SegmentVolumes);
        }
        else
        {
            head_dropout = nn.Dropout(config.Dropout);
            head = nn.Linear(d, config.NOutputs);
        }
        using (no_grad())
        {
            // Learned embeddings start small (as MAE's position and mask tokens), so content dominates at first.
            nn.init.normal_(region_embedding, 0, 0.02);
            nn.init.normal_(segment_position, 0, 0.02);
            nn.init.normal_(mask_token, 0, 0.02);
        }
        RegisterComponents();
    }

    public BrainMAEConfig Config { get; }

    public bool HasDecoder => decoder is not null;

    /// <summary>Whether a state name belongs to the encoder (shared by pretraining and fine-tuning), not to the
    /// pretraining decoder or the classification head.</summary>
    public static bool IsEncoderTensor(string name) =>
        !name.StartsWith("decoder.", StringComparison.Ordinal) && !name.StartsWith("head.", StringComparison.Ordinal);

    /// <summary>Windows (B, R, T) → logits (B, n_outputs), or the pooled embedding (B, d_model) for the embedding head.</summary>
    public override Tensor forward(Tensor windows)
    {
        using var scope = NewDisposeScope();
        var pooled = Embed(windows);
        return (head is null ? pooled : head.forward(head_dropout!.forward(pooled))).MoveToOuterDisposeScope();
    }

    /// <summary>The pooled embedding (B, d_model): the features averaged over regions and segments.</summary>
    public Tensor Embed(Tensor windows)
    {
        using var scope = NewDisposeScope();
        return Features(windows).mean([1, 2]).MoveToOuterDisposeScope();
    }

    /// <summary>Encoder features (B, R, S, d) of windows (B, R, T); tokens where <paramref name="mask"/> (B, R, S,
    /// bool) is true enter as mask_token, so nothing of their content reaches any output.</summary>
    public Tensor Features(Tensor windows, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        var c = Config;
        var seg = Segments(windows, c);
        long b = seg.shape[0], r = c.NChans, s = c.NSegments, d = c.DModel;
        var tokens = segment_embedding.forward(seg);                                  // (B, R, S, d)
        if (mask is not null)
        {
            if (!mask.shape.SequenceEqual(new[] { b, r, s }) || mask.dtype != ScalarType.Bool)
                throw new ArgumentException($"mask is {mask.dtype} [{string.Join(", ", mask.shape)}]; expected bool ({b}, {r}, {s})");
            tokens = where(mask.unsqueeze(-1), mask_token, tokens);
        }
        tokens = tokens + region_embedding.view(1, r, 1, d) + segment_position.view(1, 1, s, d);
        var x = tokens.permute(0, 2, 1, 3).reshape(b * s, r, d);                      // one graph per (window, segment)
        foreach (var layer in graph_layers)
            x = layer.forward(x, region_embedding);
        x = x.view(b, s, r, d).permute(0, 2, 1, 3).reshape(b * r, s, d);              // one sequence per (window, region)
        foreach (var layer in temporal_layers)
            x = layer.forward(x);
        return norm.forward(x).view(b, r, s, d).MoveToOuterDisposeScope();
    }

    /// <summary>The decoder's reconstruction (B, R, T) of every volume, masked or not.</summary>
    public Tensor Reconstruct(Tensor windows, Tensor mask)
    {
        if (decoder is null)
            throw new InvalidOperationException("this BrainMAE has no segment decoder; masked-segment pretraining needs the embedding head");
        using var scope = NewDisposeScope();
        var y = decoder.forward(Features(windows, mask));                             // (B, R, S, L)
        return y.reshape(y.shape[0], Config.NChans, Config.NTimes).MoveToOuterDisposeScope();
    }

    /// <summary>Windows (B, R, T) of the config's shape as segments (B, R, S, L); any other shape is an error naming both.</summary>
    public static Tensor Segments(Tensor windows, BrainMAEConfig config)
    {
        long[] s = windows.shape;
        if (s.Length != 3 || s[1] != config.NChans || s[2] != config.NTimes)
            throw new ArgumentException(
                $"windows are [{string.Join(", ", s)}]; this BrainMAE takes (batch, n_chans {config.NChans}, n_times {config.NTimes})");
        if (windows.dtype != ScalarType.Float32)
            throw new ArgumentException($"windows are {windows.dtype}; BrainMAE takes float32");
        return windows.reshape(s[0], config.NChans, config.NSegments, config.SegmentVolumes);
    }
}
