using System.Text;
using System.Text.RegularExpressions;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.BrainVision;

/// <summary>
/// The INI part of a header, read with the rules of Python's <c>configparser.ConfigParser()</c> that MNE uses:
/// <c>[Section]</c> names are case-sensitive, keys are lower-cased, <c>=</c> or <c>:</c> separate key and value,
/// whole-line comments start with <c>#</c> or <c>;</c>, more-indented lines continue a value, duplicate sections
/// or keys are errors, and values expand <c>%%</c> and <c>%(key)s</c> when read.
/// </summary>
internal sealed partial class BrainVisionIni
{
    private readonly Dictionary<string, List<KeyValuePair<string, string>>> _sections = new(StringComparer.Ordinal);
    private readonly string _path;

    private BrainVisionIni(string path) => _path = path;

    [GeneratedRegex(@"^\[(.+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^(.*?)\s*([=:])\s*(.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex OptionLine();

    public static BrainVisionIni Parse(string text, string path)
    {
        var ini = new BrainVisionIni(path);
        List<KeyValuePair<string, string>>? section = null;
        string? sectionName = null;
        List<string>? value = null;     // lines of the current option's value
        string? optionName = null;
        int indentLevel = 0;
        var values = new List<(List<KeyValuePair<string, string>> Section, string Key, List<string> Lines)>();

        // Header line 1 was read apart (MNE's readline()); the INI text starts on line 2 of the file.
        int lineNumber = 1;
        foreach (var raw in SplitLinesKeepingCr(text))
        {
            lineNumber++;
            string stripped = raw.Trim();
            bool comment = stripped.StartsWith('#') || stripped.StartsWith(';');
            string line = comment ? "" : stripped;
            if (line.Length == 0)
            {
                if (!comment && section != null && optionName != null && value != null)
                    value.Add("");
                continue;
            }
            int indent = raw.Length - raw.TrimStart().Length;
            if (section != null && optionName != null && indent > indentLevel)
            {
                value!.Add(line);
                continue;
            }
            indentLevel = indent;
            var sm = SectionLine().Match(line);
            if (sm.Success)
            {
                sectionName = sm.Groups[1].Value;
                if (ini._sections.ContainsKey(sectionName))
                    throw ini.Error($"line {lineNumber}: section [{BrainVisionText.Escape(sectionName)}] appears twice");
                section = [];
                ini._sections[sectionName] = section;
                optionName = null;
                value = null;
                continue;
            }
            if (section == null)
                throw ini.Error($"line {lineNumber}: {BrainVisionText.Quote(line)} comes before any [section]");
            var om = OptionLine().Match(line);
            if (!om.Success || om.Groups[1].Value.Length == 0)
                throw ini.Error($"line {lineNumber} in [{BrainVisionText.Escape(sectionName!)}]: {BrainVisionText.Quote(line)} is not key=value");
            optionName = om.Groups[1].Value.TrimEnd().ToLowerInvariant();
            if (section.Any(kv => kv.Key == optionName))
                throw ini.Error($"line {lineNumber}: key {BrainVisionText.Quote(optionName)} appears twice in [{BrainVisionText.Escape(sectionName!)}]");
            value = [om.Groups[3].Value.Trim()];
            section.Add(new(optionName, ""));
            values.Add((section, optionName, value));
        }
        foreach (var (sec, key, lines) in values)
        {
            int i = sec.FindIndex(kv => kv.Key == key);
            sec[i] = new(key, string.Join('\n', lines).TrimEnd());
        }
        return ini;
    }

    /// <summary>Lines as Python's <c>StringIO</c> gives them: split on LF only, so CR stays (and is stripped later).</summary>
    private static IEnumerable<string> SplitLinesKeepingCr(string text)
    {
        int start = 0;
        while (start < text.Length)
        {
            int nl = text.IndexOf('\n', start);
            if (nl < 0)
            {
                yield return text[start..];
                yield break;
            }
            yield return text[start..nl];
            start = nl + 1;
        }
    }

    public bool HasSection(string section) => _sections.ContainsKey(section);

    /// <summary>The value of <paramref name="key"/> in <paramref name="section"/>, or null when either is absent.</summary>
    public string? Get(string section, string key)
    {
        if (!_sections.TryGetValue(section, out var entries))
            return null;
        key = key.ToLowerInvariant();
        foreach (var kv in entries)
            if (kv.Key == key)
                return Interpolate(section, entries, kv.Value, 0);
        return null;
    }

    /// <summary>A value that must be there: a missing section or key is an error naming both.</summary>
    public string Require(string section, string key) =>
        Get(section, key) ?? throw Error(HasSection(section)
            ? $"[{section}] has no {key}= entry"
            : $"no [{section}] section");

    /// <summary>All entries of a section in file order (keys lower-cased), or none.</summary>
    public IEnumerable<KeyValuePair<string, string>> Items(string section)
    {
        if (!_sections.TryGetValue(section, out var entries))
            yield break;
        foreach (var kv in entries)
            yield return new(kv.Key, Interpolate(section, entries, kv.Value, 0));
    }

    /// <summary>configparser's BasicInterpolation: <c>%%</c> is a percent sign, <c>%(key)s</c> another key's value.</summary>
    private string Interpolate(string section, List<KeyValuePair<string, string>> entries, string value, int depth)
    {
        if (!value.Contains('%'))
            return value;
        if (depth > 10)
            throw Error($"[{section}]: '%(...)s' references nest more than 10 deep");
        var sb = new StringBuilder();
        int i = 0;
        while (i < value.Length)
        {
            int p = value.IndexOf('%', i);
            if (p < 0)
            {
                sb.Append(value, i, value.Length - i);
                break;
            }
            sb.Append(value, i, p - i);
            char next = p + 1 < value.Length ? value[p + 1] : '\0';
            if (next == '%')
            {
                sb.Append('%');
                i = p + 2;
            }
            else if (next == '(' && value.IndexOf(")s", p, StringComparison.Ordinal) is var close and > 0)
            {
                string name = value[(p + 2)..close].ToLowerInvariant();
                var target = entries.FirstOrDefault(kv => kv.Key == name);
                if (target.Key == null)
                    throw Error($"[{section}]: %({BrainVisionText.Escape(name)})s refers to a missing key");
                sb.Append(Interpolate(section, entries, target.Value, depth + 1));
                i = close + 2;
            }
            else
                throw Error($"[{section}]: '%' must be followed by '%' or '(' in {BrainVisionText.Quote(value)}");
        }
        return sb.ToString();
    }

    private InvalidRecordingException Error(string problem) => new(_path, problem);
}
