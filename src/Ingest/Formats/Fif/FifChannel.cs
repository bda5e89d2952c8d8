using System.Buffers.Binary;
using System.Text;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Fif;

/// <summary>
/// One FIFF_CH_INFO record (<c>fiffChInfoRec</c>, 96 bytes big-endian): scan and logical numbers, kind, range and
/// calibration (float32), coil type, location, unit and unit multiplier, name (16 bytes, NUL-terminated).
/// </summary>
internal sealed record FifChannel(int ScanNo, int LogNo, int Kind, float Range, float Cal, int CoilType, int Unit,
    int UnitMul, string Name)
{
    public const int StructBytes = 96;

    public static FifChannel Parse(ReadOnlySpan<byte> s)
    {
        var name = s.Slice(80, 16);
        int nul = name.IndexOf((byte)0);
        return new FifChannel(
            BinaryPrimitives.ReadInt32BigEndian(s), BinaryPrimitives.ReadInt32BigEndian(s[4..]),
            BinaryPrimitives.ReadInt32BigEndian(s[8..]), BinaryPrimitives.ReadSingleBigEndian(s[12..]),
            BinaryPrimitives.ReadSingleBigEndian(s[16..]), BinaryPrimitives.ReadInt32BigEndian(s[20..]),
            BinaryPrimitives.ReadInt32BigEndian(s[72..]), BinaryPrimitives.ReadInt32BigEndian(s[76..]),
            Encoding.UTF8.GetString(nul >= 0 ? name[..nul] : name));
    }

    /// <summary>MNE's <c>cals</c>: <c>range · cal</c>, both float32 widened to float64 first.</summary>
    public double Calibration => (double)Range * Cal;

    /// <summary>The CTF compensation grade stored in the upper 16 bits of a MEG channel's coil type.</summary>
    public int CompGrade => CoilType >> 16;

    /// <summary>
    /// MNE's <c>channel_type</c>: the FIFF kind, then for MEG the unit (T/m gradiometer, T magnetometer) and for EEG
    /// the coil type (EEG, bipolar or none: eeg; CSD: csd). Null when MNE has no type for it (MNE raises).
    /// </summary>
    public ChannelKind? MneKind => Kind switch
    {
        FifConstants.MegCh => Unit switch { FifConstants.UnitTm => ChannelKind.Grad, FifConstants.UnitT => ChannelKind.Mag, _ => null },
        FifConstants.EegCh => CoilType switch
        {
            FifConstants.CoilEeg or FifConstants.CoilEegBipolar or FifConstants.CoilNone => ChannelKind.Eeg,
            FifConstants.CoilEegCsd => ChannelKind.Csd,
            _ => null,
        },
        FifConstants.RefMegCh => ChannelKind.RefMeg,
        FifConstants.StimCh => ChannelKind.Stim,
        FifConstants.EogCh => ChannelKind.Eog,
        FifConstants.EmgCh => ChannelKind.Emg,
        FifConstants.EcgCh => ChannelKind.Ecg,
        FifConstants.RespCh => ChannelKind.Resp,
        FifConstants.MiscCh => ChannelKind.Misc,
        FifConstants.ExciCh => ChannelKind.Exci,
        FifConstants.IasCh => ChannelKind.Ias,
        FifConstants.SystCh => ChannelKind.Syst,
        FifConstants.SeegCh => ChannelKind.Seeg,
        FifConstants.DbsCh => ChannelKind.Dbs,
        FifConstants.BioCh => ChannelKind.Bio,
        >= 700 and <= 709 => ChannelKind.Chpi, // FIFFV_QUAT_0..6, FIFFV_HPI_G/ERR/MOV
        FifConstants.DipoleWave => ChannelKind.Dipole,
        FifConstants.GoodnessFit => ChannelKind.Gof,
        FifConstants.EcogCh => ChannelKind.Ecog,
        FifConstants.TemperatureCh => ChannelKind.Temperature,
        FifConstants.GalvanicCh => ChannelKind.Gsr,
        _ => null,
    };

    /// <summary>The unit as the reference reports it: V, T, T/m, NA (no unit), °C, mol, Am, else FIFF_UNIT_&lt;name&gt;.</summary>
    public string UnitName => FifConstants.UnitNames.TryGetValue(Unit, out var name)
        ? name switch
        {
            "V" => "V", "T" => "T", "T_M" => "T/m", "NONE" => "NA", "CEL" => "\u00B0C", "MOL" => "mol", "AM" => "Am",
            _ => "FIFF_UNIT_" + name,
        }
        : "NA";
}
