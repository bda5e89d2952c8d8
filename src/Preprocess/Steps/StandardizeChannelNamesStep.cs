using System.Text.RegularExpressions;

namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// Renames channels to standard 10-20/10-10 labels so models can ask for channels by their standard name:
/// padding dots and an <c>EEG </c> prefix or <c>-REF</c>/<c>-LE</c> suffix go (EEGMMIDB's <c>Fc5.</c> → <c>FC5</c>,
/// <c>C3..</c> → <c>C3</c>, <c>Fp1.</c> → <c>Fp1</c>, <c>Afz.</c> → <c>AFz</c>), letters take the standard case, and
/// with <c>"aliases": "10-10"</c> (default) the old 10-20 temporal names become the 10-10 ones (T3 → T7, T4 → T8,
/// T5 → P7, T6 → P8; <c>"10-20"</c> maps the other way, <c>"none"</c> keeps them). Names that are not 10-20 labels
/// keep their text without the padding.
/// </summary>
public sealed partial record StandardizeChannelNamesStep(string Aliases = "10-10") : Step
{
    private static readonly Dictionary<string, string> OldToNew = new() { ["T3"] = "T7", ["T4"] = "T8", ["T5"] = "P7", ["T6"] = "P8" };

    public override ResolvedStep Resolve(SignalInfo input)
    {
        var aliases = Aliases switch
        {
            "10-10" => OldToNew,
            "10-20" => OldToNew.ToDictionary(p => p.Value, p => p.Key),
            "none" => [],
            _ => throw new ArgumentException($"aliases ('{Aliases}') must be '10-10', '10-20' or 'none'"),
        };
        var names = input.Channels.Select(c => Standard(c.Name, aliases)).ToArray();
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"several channels become '{duplicate.Key}': {string.Join(", ", input.Channels.Where((c, i) => names[i] == duplicate.Key).Select(c => $"'{c.Name}'"))}");
        return new Renamed(this, input with { Channels = input.Channels.Select((c, i) => c with { Name = names[i] }).ToArray() });
    }

    /// <summary>The standard label for one channel name.</summary>
    public static string Standard(string name, IReadOnlyDictionary<string, string>? aliases = null)
    {
        string core = Decoration().Replace(name.Trim().TrimEnd('.'), "").Trim();
        if (!Electrode().IsMatch(core))
            return core.Length > 0 ? core : name;
        string upper = core.ToUpperInvariant();
        // Standard case: 'Fp' keeps a lower-case p, the midline suffix is a lower-case z, the rest is upper case.
        string label = (upper.StartsWith("FP") ? "Fp" + upper[2..] : upper);
        if (label.EndsWith('Z'))
            label = label[..^1] + "z";
        return aliases is not null && aliases.TryGetValue(label, out var alias) ? alias : label;
    }

    [GeneratedRegex(@"^(EEG\s+)|(-(REF|Ref|ref|LE|le|AR|ar))$")]
    private static partial Regex Decoration();

    /// <summary>A 10-20/10-10/10-5 electrode: a region prefix, then a number or z (e.g. Fp1, AF3, FCz, TP10, Iz, O2).</summary>
    [GeneratedRegex(@"^(?i:Fp|AFF|AF|FFC|FC|FT|FTT|F|CCP|CP|C|TTP|TP|T|PPO|PO|P|POO|O|I|N)(\d{1,2}h?|z)$")]
    private static partial Regex Electrode();

    private sealed class Renamed(Step spec, SignalInfo output) : MemorylessStep(spec, output)
    {
        protected override double[] Map(double[] input, int nTimes) => input;
    }
}
