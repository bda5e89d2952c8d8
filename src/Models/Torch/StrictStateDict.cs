using TorchSharp;
using static TorchSharp.torch;

namespace Neurodecode.Models.Torch;

/// <summary>
/// A module's state (parameters, frozen ones included, and buffers) to and from <see cref="NamedTensor"/>s, with a
/// strict load: every missing or unexpected tensor and every shape mismatch is reported by name in one
/// <see cref="InvalidDataException"/>, and nothing is copied unless everything matches (never a partial load).
/// </summary>
public static class StrictStateDict
{
    /// <summary>The module's state dict as float32 arrays, names as PyTorch's <c>state_dict()</c> spells them.</summary>
    public static List<NamedTensor> Export(nn.Module module)
    {
        var list = new List<NamedTensor>();
        foreach (var (name, t) in module.state_dict())
        {
            if (t.dtype != ScalarType.Float32)
                throw new NotSupportedException($"tensor {name} is {t.dtype}; only float32 state is saved");
            using var cpu = t.detach().cpu().contiguous();
            list.Add(new NamedTensor(name, cpu.shape, cpu.data<float>().ToArray()));
        }
        return list;
    }

    /// <summary>
    /// Copies <paramref name="tensors"/> into <paramref name="module"/> after renaming them.
    /// </summary>
    /// <param name="what">Start of the error message, e.g. "checkpoint m.safetensors is not a CBraMod with this config".</param>
    /// <param name="rename">Maps a stored name to the module's name (the style guide's rename map); null drops the
    /// tensor on purpose (e.g. a pretraining head that fine-tuning does not use). Default: identity.</param>
    /// <param name="required">Which of the module's tensors the file must provide; the others keep their values
    /// (e.g. a fresh classifier when loading a pretrained backbone). Default: all.</param>
    public static void Load(nn.Module module, IEnumerable<NamedTensor> tensors, string what,
        Func<string, string?>? rename = null, Func<string, bool>? required = null)
    {
        var state = module.state_dict();
        var given = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var duplicate = new List<string>();
        foreach (var t in tensors)
        {
            string? target = rename is null ? t.Name : rename(t.Name);
            if (target is null) continue;
            string label = target == t.Name ? t.Name : $"{t.Name} (as {target})";
            if (!state.ContainsKey(target) || (required is not null && !required(target))) unexpected.Add(label);
            else if (!given.TryAdd(target, t)) duplicate.Add(label);
        }
        var missing = state.Keys.Where(k => (required is null || required(k)) && !given.ContainsKey(k)).ToList();
        var shapes = given
            .Where(kv => !state[kv.Key].shape.SequenceEqual(kv.Value.Shape))
            .Select(kv => $"shape of {kv.Key} is {kv.Value.ShapeText} not [{string.Join(", ", state[kv.Key].shape)}]")
            .ToList();

        var problems = new List<string>();
        if (missing.Count > 0) problems.Add("missing " + string.Join(", ", missing));
        if (unexpected.Count > 0) problems.Add("unexpected " + string.Join(", ", unexpected));
        if (duplicate.Count > 0) problems.Add("given twice " + string.Join(", ", duplicate));
        problems.AddRange(shapes);
        if (problems.Count > 0)
            throw new InvalidDataException($"{what}: {string.Join("; ", problems)}");

        using var _ = no_grad();
        foreach (var (name, t) in given)
        {
            var dest = state[name];
            using var src = tensor(t.Data, t.Shape, dtype: ScalarType.Float32);
            dest.copy_(src);
        }
    }

    /// <summary>Every value the module saves (parameters, frozen ones included, and buffers).</summary>
    public static long Count(nn.Module module) => module.state_dict().Values.Sum(t => t.numel());
}
