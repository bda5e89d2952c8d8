using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.BrainVision;

/// <summary>One channel line <c>Ch&lt;n&gt;=name,reference,resolution,unit</c> after MNE's defaults.</summary>
/// <param name="Key">The INI key as configparser gives it (lower case, e.g. <c>ch3</c>).</param>
/// <param name="Scale">Volts (or the unit's SI value) per stored number: resolution · unit factor, formed first.</param>
internal sealed record BrainVisionChannel(string Key, string Name, string Unit, double Resolution, double Scale);

/// <summary>
/// What a <c>.vhdr</c>/<c>.ahdr</c> says, read as <c>mne/io/brainvision/brainvision.py:_get_hdr_info</c> does
/// (MNE 1.3, default <c>eog</c>, <c>misc='auto'</c>, <c>scale=1</c>). Filter settings are not kept: nothing here uses them.
/// </summary>
internal sealed record BrainVisionHeader(
    string HeaderPath,
    double Sfreq,
    string DataPath,
    string MarkerPath,
    BrainVisionBinaryFormat BinaryFormat,
    bool Vectorized,
    bool IsAhdr,
    IReadOnlyList<BrainVisionChannel> FileChannels,
    IReadOnlyList<ChannelInfo> Channels)
{
    /// <summary>Channels stored per sample in the data file (the listed ones, plus one for <c>.ahdr</c>).</summary>
    public int NFileChannels => FileChannels.Count;

    public static BrainVisionHeader Read(string path)
    {
        byte[] bytes = ReadAll(path, "header");
        int firstLineEnd = Array.IndexOf(bytes, (byte)'\n');
        // Line 1 is the version line; MNE only warns when it is unknown, so it is not checked here either.
        int settingsStart = firstLineEnd < 0 ? bytes.Length : firstLineEnd + 1;
        string settings = BrainVisionText.Decode(bytes.AsSpan(settingsStart), path);

        // [Comment] and what follows is free text (amplifier tables, impedances), not INI.
        int comment = settings.IndexOf("[Comment]", StringComparison.Ordinal);
        if (comment >= 0 && settings.IndexOf("[Comment]", comment + 1, StringComparison.Ordinal) >= 0)
            throw new InvalidRecordingException(path, "[Comment] appears more than once");
        var ini = BrainVisionIni.Parse(comment >= 0 ? settings[..comment] : settings, path);

        string common = ini.HasSection("Common Infos") || !ini.HasSection("Common infos") ? "Common Infos" : "Common infos";
        string intervalText = ini.Require(common, "SamplingInterval");
        if (!BrainVisionText.TryParseFloat(intervalText, out double interval))
            throw new InvalidRecordingException(path,
                $"[{common}] SamplingInterval={BrainVisionText.Quote(intervalText)} is not a number (expected microseconds per sample)");
        double sfreq = 1e6 / interval;
        if (!(interval > 0) || !double.IsFinite(sfreq))
            throw new InvalidRecordingException(path,
                $"[{common}] SamplingInterval={intervalText} (expected a positive number of microseconds)");

        string orientation = ini.Require(common, "DataOrientation");
        bool vectorized = orientation switch
        {
            "MULTIPLEXED" => false,
            "VECTORIZED" => true,
            _ => throw new InvalidRecordingException(path,
                $"[{common}] DataOrientation={BrainVisionText.Quote(orientation)} is not supported (expected MULTIPLEXED or VECTORIZED)"),
        };
        string dataFormat = ini.Require(common, "DataFormat");
        if (dataFormat != "BINARY")
            throw new InvalidRecordingException(path,
                $"[{common}] DataFormat={BrainVisionText.Quote(dataFormat)} is not supported (expected BINARY)");
        string binaryText = ini.Require("Binary Infos", "BinaryFormat");
        var binary = BrainVisionBinaryFormats.Parse(binaryText)
                     ?? throw new InvalidRecordingException(path,
                         $"[Binary Infos] BinaryFormat={BrainVisionText.Quote(binaryText)} is not supported (expected INT_16, INT_32 or IEEE_FLOAT_32)");

        string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        string dataPath = Path.Combine(folder, ini.Require(common, "DataFile"));
        string markerPath = Path.Combine(folder, ini.Require(common, "MarkerFile"));

        string nText = ini.Require(common, "NumberOfChannels");
        if (!BrainVisionText.TryParseInt(nText, out long nListed) || nListed <= 0 || nListed > 1_000_000)
            throw new InvalidRecordingException(path,
                $"[{common}] NumberOfChannels={BrainVisionText.Quote(nText)} (expected a positive integer)");
        bool ahdr = path.EndsWith(BrainVisionConstants.AhdrExtension, StringComparison.OrdinalIgnoreCase);
        int nFile = (int)nListed + (ahdr ? 1 : 0);

        var fileChannels = ReadChannels(ini, path, nFile, (int)nListed);
        if (ahdr)
            fileChannels[^1] = new BrainVisionChannel(BrainVisionConstants.AhdrChannelName,
                BrainVisionConstants.AhdrChannelName, "V", 1.0, 1.0);
        var channels = Describe(ini, path, fileChannels, sfreq);
        if (ahdr)
            channels.RemoveAt(channels.Count - 1);

        return new BrainVisionHeader(path, sfreq, dataPath, markerPath, binary, vectorized, ahdr, fileChannels, channels);
    }

    /// <summary>The <c>[Channel Infos]</c> lines: defaults for missing unit/resolution, <c>\1</c> for commas.</summary>
    private static BrainVisionChannel[] ReadChannels(BrainVisionIni ini, string path, int nFile, int nListed)
    {
        var channels = new BrainVisionChannel?[nFile];
        foreach (var (key, value) in ini.Items("Channel Infos"))
        {
            var km = BrainVisionConstants.ChannelKey().Match(key);
            if (!km.Success || !int.TryParse(km.Groups[1].Value, out int number) || number < 1 || number > nListed)
                throw new InvalidRecordingException(path,
                    $"[Channel Infos] key {BrainVisionText.Quote(key)} is not Ch1..Ch{nListed} (NumberOfChannels={nListed})");
            var props = value.Split(',').ToList();
            if (props.Count < 4)
                props.Add(BrainVisionConstants.DefaultUnit);     // older files have no unit field
            else if (props[3].Length == 0)
                props[3] = BrainVisionConstants.DefaultUnit;     // e.g. PyCorder leaves it empty
            if (props.Count < 4)
                throw new InvalidRecordingException(path,
                    $"[Channel Infos] {key}={BrainVisionText.Quote(value)} (expected name,reference,resolution[,unit])");
            string name = props[0].Replace(@"\1", ",");
            string unit = props[3].Replace("\u00c2", "");       // 'Â' left over from UTF-8 'µ' read as latin-1
            // An empty resolution is 1 (MNE's 1e-6 branch needs an empty unit, which was just replaced by µV).
            double resolution = 1.0;
            if (props[2].Length > 0 && !BrainVisionText.TryParseFloat(props[2], out resolution))
                throw new InvalidRecordingException(path,
                    $"[Channel Infos] {key}: resolution {BrainVisionText.Quote(props[2])} is not a number");
            double factor = BrainVisionConstants.UnitFactors.GetValueOrDefault(unit, 1.0);
            // MNE: cal = resolution, range = unit factor · scale (1.0); samples are multiplied by cal · range.
            channels[number - 1] = new BrainVisionChannel(key, name, unit, resolution, resolution * (factor * 1.0));
        }
        for (int i = 0; i < nListed; i++)
            if (channels[i] == null)
                throw new InvalidRecordingException(path,
                    $"[Channel Infos] has no Ch{i + 1}= line (NumberOfChannels={nListed})");
        if (nFile > nListed)
            channels[nFile - 1] = new BrainVisionChannel("", "", "", 1, 1);
        return channels!;
    }

    /// <summary>Channel types and units as MNE assigns them, then MNE's renaming of duplicate names.</summary>
    private static List<ChannelInfo> Describe(BrainVisionIni ini, string path, BrainVisionChannel[] file, double sfreq)
    {
        // misc='auto': channels whose unit is not a voltage (°C kept for unit 'C').
        var miscUnits = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var ch in file)
            if (!BrainVisionConstants.VoltageUnits.Contains(ch.Unit))
                miscUnits[ch.Name] = ch.Unit == "C" ? "°C" : "NA";
        var misc = new HashSet<string>(miscUnits.Keys, StringComparer.Ordinal);

        // [Coordinates]: a channel at the origin becomes misc unless it is already EOG or misc.
        if (ini.HasSection("Coordinates"))
        {
            var eog = new HashSet<string>(BrainVisionConstants.DefaultEog, StringComparer.Ordinal);
            var toMisc = new List<string>();
            foreach (var (key, value) in ini.Items("Coordinates"))
            {
                var ch = file.FirstOrDefault(c => c.Key == key)
                         ?? throw new InvalidRecordingException(path, $"[Coordinates] {key} names no channel of [Channel Infos]");
                var parts = value.Split(',');
                var numbers = new double[3];
                if (parts.Length != 3 || !parts.Select((p, i) => BrainVisionText.TryParseFloat(p, out numbers[i])).All(ok => ok))
                    throw new InvalidRecordingException(path,
                        $"[Coordinates] {key}={BrainVisionText.Quote(value)} (expected radius,theta,phi)");
                if (AtOrigin(numbers[0], numbers[1], numbers[2]) && !eog.Contains(ch.Name) && !misc.Contains(ch.Name))
                    toMisc.Add(ch.Name);
            }
            misc.UnionWith(toMisc);
        }

        var names = Unique(file.Select(c => c.Name).ToArray(), path);
        var channels = new List<ChannelInfo>(file.Length);
        for (int i = 0; i < file.Length; i++)
        {
            var ch = file[i];
            var (kind, unit) =
                BrainVisionConstants.DefaultEog.Contains(ch.Name) ? (ChannelKind.Eog, "V")
                : misc.Contains(ch.Name) ? (ChannelKind.Misc, miscUnits.GetValueOrDefault(ch.Name, "NA"))
                : ch.Name == BrainVisionConstants.StimName ? (ChannelKind.Stim, "NA")
                : (ChannelKind.Eeg, "V");
            channels.Add(new ChannelInfo(names[i], kind, unit, sfreq, OrigUnit: BrainVisionConstants.ReportedUnit(ch.Unit)));
        }
        return channels;
    }

    /// <summary>MNE's spherical-to-Cartesian test for "no position": all three coordinates exactly zero.</summary>
    private static bool AtOrigin(double radius, double theta, double phi)
    {
        if (radius == 1)
            radius *= 0.095 * 1000;     // HEAD_SIZE_DEFAULT in mm for "idealized" positions
        double pol = theta * Math.PI / 180, az = phi * Math.PI / 180;
        double x = radius * Math.Cos(az) * Math.Sin(pol), y = radius * Math.Sin(az) * Math.Sin(pol), z = radius * Math.Cos(pol);
        return x == 0 && y == 0 && z == 0;
    }

    /// <summary>
    /// <c>mne/io/meas_info.py:_unique_channel_names</c>: every copy of a repeated name gets <c>-0</c>, <c>-1</c> ...
    /// (or <c>-a</c>, <c>-b</c> ... when that name is taken).
    /// </summary>
    internal static string[] Unique(string[] names, string path)
    {
        var result = (string[])names.Clone();
        var dups = names.Where((n, i) => Array.IndexOf(names, n) != i).Distinct().ToList();
        foreach (var stem in dups)
        {
            var overlaps = Enumerable.Range(0, names.Length).Where(i => names[i] == stem).ToList();
            for (int k = 0; k < overlaps.Count; k++)
            {
                string? chosen = null;
                foreach (var suffix in new[] { k.ToString(System.Globalization.CultureInfo.InvariantCulture) }
                             .Concat(Enumerable.Range('a', 26).Select(c => ((char)c).ToString())))
                {
                    chosen = stem + "-" + suffix;
                    if (!result.Contains(chosen))
                        break;
                }
                if (result.Contains(chosen))
                    throw new InvalidRecordingException(path,
                        $"renaming duplicate channel {BrainVisionText.Quote(stem)} gave another duplicate {BrainVisionText.Quote(chosen!)}");
                result[overlaps[k]] = chosen!;
            }
        }
        return result;
    }

    internal static byte[] ReadAll(string path, string what)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidRecordingException(path, $"{what} file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRecordingException(path, $"cannot read {what} file: {e.Message}");
        }
    }
}
