using System.Buffers.Binary;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Fif;

/// <summary>
/// The measurement info of a FIF file as <c>mne.io.meas_info.read_meas_info</c> 1.3 reads it: the single FIFFB_MEAS
/// block and its single FIFFB_MEAS_INFO block, channel records (with FIFFB_CH_INFO long names), sfreq, meas_date,
/// highpass/lowpass, bad channels and the CTF compensation matrices present.
/// </summary>
internal sealed record FifMeasInfo(
    FifNode Meas,
    double Sfreq,
    IReadOnlyList<FifChannel> Channels,
    DateTimeOffset? MeasDate,
    double Highpass,
    double Lowpass,
    IReadOnlyList<string> Bads,
    int NComps,
    int? CompGrade)
{
    public static FifMeasInfo Read(FifTree tree)
    {
        var meas = Single(tree, tree.Root.Find(FifConstants.BlockMeas).ToList(), "measurement (FIFFB_MEAS)");
        var info = Single(tree, meas.Find(FifConstants.BlockMeasInfo).ToList(), "measurement info (FIFFB_MEAS_INFO)");
        int? nchan = null;
        double? sfreq = null, highpass = null, lowpass = null;
        int[]? date = null;
        var chs = new List<FifChannel>();
        foreach (var tag in info.Tags)
        {
            switch (tag.Kind)
            {
                case FifConstants.NChan: nchan = tree.ReadInt(tag); break;
                case FifConstants.Sfreq: sfreq = tree.ReadDoubles(tag)[0]; break;
                case FifConstants.Lowpass: lowpass = NotNaN(tree.ReadDoubles(tag)[0]); break;
                case FifConstants.Highpass: highpass = NotNaN(tree.ReadDoubles(tag)[0]); break;
                case FifConstants.MeasDate: date = tree.ReadInts(tag); break;
                case FifConstants.ChInfo:
                    tree.Expect(tag, FifConstants.TypeChInfoStruct);
                    if (tag.Size < FifChannel.StructBytes)
                        throw tree.Bad(tag, $"(FIFF_CH_INFO) holds {tag.Size} bytes, expected {FifChannel.StructBytes}");
                    chs.Add(FifChannel.Parse(tree.ReadData(tag)));
                    break;
            }
        }
        var renamed = ExtendedChannelInfo(tree, info, chs);
        if (nchan is null)
            throw new InvalidRecordingException(tree.Path, "number of channels (FIFF_NCHAN) is not defined");
        if (sfreq is null)
            throw new InvalidRecordingException(tree.Path, "sampling frequency (FIFF_SFREQ) is not defined");
        if (!(sfreq > 0) || !double.IsFinite(sfreq.Value))
            throw new InvalidRecordingException(tree.Path, $"sampling frequency {sfreq} is not positive");
        if (chs.Count == 0)
            throw new InvalidRecordingException(tree.Path, "channel information (FIFF_CH_INFO) is not defined");
        if (chs.Count != nchan)
            throw new InvalidRecordingException(tree.Path, $"{chs.Count} channel definitions for FIFF_NCHAN = {nchan}");

        var names = chs.Select(c => c.Name).ToHashSet();
        var bads = new List<string>();
        foreach (var node in info.Find(FifConstants.BlockMneBadChannels))
            if (node.First(FifConstants.MneChNameList) is { } list && tree.ReadString(list) is { Length: > 0 } text)
                bads = text.Split(':').Select(b => renamed.GetValueOrDefault(b, b)).ToList();
        bads = bads.Where(names.Contains).ToList(); // clean_bads=True

        var meg = chs.Where(c => c.Kind == FifConstants.MegCh).Select(c => c.CompGrade).Distinct().ToList();
        return new FifMeasInfo(meas, sfreq.Value, chs, MeasDateOf(tree, meas, info, date), highpass ?? 0, lowpass ?? sfreq.Value / 2,
            bads, info.Find(FifConstants.BlockMneCtfCompData).Count(), meg.Count == 1 ? meg[0] : null);
    }

    private static FifNode Single(FifTree tree, List<FifNode> nodes, string what) => nodes.Count switch
    {
        1 => nodes[0],
        0 => throw new InvalidRecordingException(tree.Path, $"no {what} block: not a raw recording" +
            (tree.Root.Find(FifConstants.BlockMneEvents).Any() ? " (it holds an MNE event list; read it with mne.read_events)" :
             tree.Root.Find(FifConstants.BlockMneAnnotations).Any() ? " (it holds annotations only)" : "")),
        _ => throw new InvalidRecordingException(tree.Path, $"{nodes.Count} {what} blocks (expected 1)"),
    };

    private static double? NotNaN(double v) => double.IsNaN(v) ? null : v;

    /// <summary>
    /// MNE's <c>_read_extended_ch_info</c>: one FIFFB_CH_INFO block per channel, in order, overriding the record's
    /// fields (names longer than the record's 15 characters live here). Returns old name → new name.
    /// </summary>
    private static Dictionary<string, string> ExtendedChannelInfo(FifTree tree, FifNode info, List<FifChannel> chs)
    {
        var blocks = info.Find(FifConstants.BlockChInfo).ToList();
        var renamed = new Dictionary<string, string>();
        if (blocks.Count == 0)
            return renamed;
        if (blocks.Count != chs.Count)
            throw new InvalidRecordingException(tree.Path, $"{blocks.Count} extended channel info blocks for {chs.Count} channels");
        for (int i = 0; i < chs.Count; i++)
        {
            var ch = chs[i];
            foreach (var tag in blocks[i].Tags)
            {
                ch = tag.Kind switch
                {
                    FifConstants.ChScanNo => ch with { ScanNo = tree.ReadInt(tag) },
                    FifConstants.ChLogicalNo => ch with { LogNo = tree.ReadInt(tag) },
                    FifConstants.ChKind => ch with { Kind = tree.ReadInt(tag) },
                    FifConstants.ChRange => ch with { Range = (float)tree.ReadDoubles(tag)[0] },
                    FifConstants.ChCal => ch with { Cal = (float)tree.ReadDoubles(tag)[0] },
                    FifConstants.ChCoilType => ch with { CoilType = tree.ReadInt(tag) },
                    FifConstants.ChUnit => ch with { Unit = tree.ReadInt(tag) },
                    FifConstants.ChUnitMul => ch with { UnitMul = tree.ReadInt(tag) },
                    FifConstants.ChDacqName => ch with { Name = tree.ReadString(tag) },
                    _ => ch, // location, coordinate frame, kinds MNE discards
                };
            }
            if (ch.Name != chs[i].Name)
                renamed[chs[i].Name] = ch.Name;
            chs[i] = ch;
        }
        return renamed;
    }

    /// <summary>
    /// FIFF_MEAS_DATE (seconds, microseconds since 1970 UTC), else the measurement id's time (meas info parent id,
    /// meas info id, meas id, meas parent id, file id, in MNE's order); (0, 2^31 − 1) means none.
    /// </summary>
    private static DateTimeOffset? MeasDateOf(FifTree tree, FifNode meas, FifNode info, int[]? date)
    {
        (long Secs, long Usecs)? stamp = date is null ? null : (date[0], date.Length > 1 ? date[1] : 0);
        stamp ??= IdTime(tree, info, FifConstants.ParentBlockId) ?? IdTime(tree, info, FifConstants.BlockId)
            ?? IdTime(tree, meas, FifConstants.BlockId) ?? IdTime(tree, meas, FifConstants.ParentBlockId)
            ?? IdTime(tree, tree.Root, FifConstants.FileId);
        if (stamp is not { } s || (s.Secs == 0 && s.Usecs == FifConstants.DateNoneUsecs))
            return null;
        return DateTimeOffset.UnixEpoch.AddSeconds(s.Secs).AddTicks(s.Usecs * 10);
    }

    /// <summary>The time of the last id struct (version, machid[2], secs, usecs) of <paramref name="kind"/> in the node.</summary>
    private static (long, long)? IdTime(FifTree tree, FifNode node, int kind)
    {
        var tag = node.Tags.LastOrDefault(t => t.Kind == kind);
        if (tag.Kind != kind || tag.Type != FifConstants.TypeIdStruct || tag.Size < 20)
            return null;
        var data = tree.ReadData(tag);
        return (BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(12)), BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(16)));
    }
}
