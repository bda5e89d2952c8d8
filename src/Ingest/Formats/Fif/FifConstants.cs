namespace Neurodecode.Ingest.Formats.Fif;

/// <summary>The FIFF numbers the reader uses, named as in MNE's <c>mne/io/constants.py</c>.</summary>
internal static class FifConstants
{
    // Tag kinds: file structure.
    public const int FileId = 100, DirPointer = 101, BlockId = 103, BlockStart = 104, BlockEnd = 105, ParentBlockId = 110;

    // Tag kinds: measurement info and raw data.
    public const int NChan = 200, Sfreq = 201, ChInfo = 203, MeasDate = 204, Comment = 206, FirstSample = 208,
        Lowpass = 219, Highpass = 223, DataBuffer = 300, DataSkip = 301;
    public const int MneChNameList = 3507, MneBaselineMin = 3568, MneBaselineMax = 3569, MneEpochsDropLog = 3801;

    // Extended channel info (FIFFB_CH_INFO children of the meas info, written for names over 15 characters).
    public const int ChScanNo = 250, ChLogicalNo = 251, ChKind = 252, ChRange = 253, ChCal = 254, ChLoc = 255,
        ChUnit = 256, ChUnitMul = 257, ChDacqName = 258, ChCoilType = 350, ChCoordFrame = 351;

    // Block kinds.
    public const int BlockMeas = 100, BlockMeasInfo = 101, BlockRawData = 102, BlockContinuousData = 112,
        BlockChInfo = 113, BlockIasRawData = 119, BlockMneBadChannels = 359, BlockMneEvents = 361,
        BlockMneCtfCompData = 371, BlockMneAnnotations = 3810;

    // Data types.
    public const int TypeShort = 2, TypeInt = 3, TypeFloat = 4, TypeDouble = 5, TypeJulian = 6, TypeString = 10,
        TypeDauPack16 = 16, TypeComplexFloat = 20, TypeComplexDouble = 21, TypeChInfoStruct = 30, TypeIdStruct = 31;

    // Channel kinds (FIFFV_*_CH).
    public const int MegCh = 1, EegCh = 2, StimCh = 3, BioCh = 102, McgCh = 201, EogCh = 202, RefMegCh = 301, EmgCh = 302,
        EcgCh = 402, MiscCh = 502, RespCh = 602, SeegCh = 802, DbsCh = 803, SystCh = 900, EcogCh = 902, IasCh = 910,
        ExciCh = 920, DipoleWave = 1000, GoodnessFit = 1001, FnirsCh = 1100, TemperatureCh = 1200, GalvanicCh = 1300;

    // Units (FIFF_UNIT_*).
    public const int UnitV = 107, UnitT = 112, UnitTm = 201;

    // EEG coil types.
    public const int CoilNone = 0, CoilEeg = 1, CoilEegBipolar = 5, CoilEegCsd = 6;

    /// <summary><c>(0, 2**31 - 1)</c>: the stamp MNE writes for "no measurement date".</summary>
    public const int DateNoneUsecs = int.MaxValue;

    /// <summary>The FIFF_UNIT_* names MNE gives known unit codes (<c>_ch_unit_named</c>); others have no name.</summary>
    public static readonly IReadOnlyDictionary<int, string> UnitNames = new Dictionary<int, string>
    {
        [-1] = "NONE", [0] = "UNITLESS", [1] = "M", [2] = "KG", [3] = "SEC", [4] = "A", [5] = "K", [6] = "MOL",
        [7] = "RAD", [8] = "SR", [9] = "CD", [10] = "MOL_M3", [101] = "HZ", [102] = "N", [103] = "PA", [104] = "J",
        [105] = "W", [106] = "C", [107] = "V", [108] = "F", [109] = "OHM", [110] = "S", [111] = "WB", [112] = "T",
        [113] = "H", [114] = "CEL", [115] = "LM", [116] = "LX", [117] = "V_M2", [201] = "T_M", [202] = "AM",
        [203] = "AM_M2", [204] = "AM_M3",
    };

    public static string TypeName(int type) => type switch
    {
        TypeShort => "short", TypeInt => "int", TypeFloat => "float", TypeDouble => "double", TypeString => "string",
        TypeDauPack16 => "dau_pack16", TypeComplexFloat => "complex float", TypeComplexDouble => "complex double",
        TypeChInfoStruct => "ch_info struct", TypeIdStruct => "id struct", _ => $"type {type}",
    };
}
