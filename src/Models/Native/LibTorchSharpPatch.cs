using System.Buffers.Binary;
using System.Text;

namespace Neurodecode.Models.Native;

/// <summary>
/// Byte-level fix that lets TorchSharp's libLibTorchSharp.so (built with GCC 13) load
/// against an older libstdc++ such as Debian 12's, which stops at GLIBCXX_3.4.30.
/// </summary>
/// <remarks>
/// The library needs GLIBCXX_3.4.32 for exactly one symbol, std::ios_base_library_init(),
/// which GCC 13 references from every file including &lt;iostream&gt;. libtorch already
/// initialises iostreams, so the reference is not needed. Three edits drop it:
/// <list type="number">
/// <item>.dynstr: rename the symbol to <see cref="ReplacementSymbol"/>, a harmless function
///   every libstdc++ exports (shorter name, padded with NULs).</item>
/// <item>.gnu.version: mark the symbol as global/unversioned (index 1).</item>
/// <item>.gnu.version_r: flag the GLIBCXX_3.4.32 requirement weak, so the loader accepts its absence.</item>
/// </list>
/// Only little-endian ELF64 is handled (that is what linux-x64 ships).
/// </remarks>
public static class LibTorchSharpPatch
{
    public const string MissingSymbol = "_ZSt21ios_base_library_initv";
    public const string ReplacementSymbol = "_ZSt15get_new_handlerv";

    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlgWeak = 0x2;
    private const ushort VersymGlobal = 1;
    private const int SymSize = 24;      // sizeof(Elf64_Sym)
    private const int SectionSize = 64;  // sizeof(Elf64_Shdr)

    /// <summary>True if <paramref name="elf"/> still references <see cref="MissingSymbol"/>.</summary>
    public static bool NeedsPatch(ReadOnlySpan<byte> elf) => FindSymbol(elf, ReadSections(elf)) >= 0;

    /// <summary>
    /// Applies the three edits in place. Returns false, changing nothing, when the symbol
    /// is not referenced (already patched, or a build that doesn't need it).
    /// </summary>
    /// <exception cref="InvalidDataException">Not an ELF64 LE file, or a layout the patch can't handle safely.</exception>
    public static bool TryPatch(Span<byte> elf)
    {
        var sections = ReadSections(elf);
        int symIndex = FindSymbol(elf, sections);
        if (symIndex < 0)
            return false;

        var dynsym = sections.Single(s => s.Type == ShtDynsym);
        var dynstr = sections[(int)dynsym.Link];
        var versym = sections.SingleOrDefault(s => s.Type == ShtGnuVersym)
            ?? throw new InvalidDataException("No .gnu.version section.");

        // Find which version the symbol needs, and make sure nothing else needs it:
        // weakening a requirement other symbols rely on would only move the failure.
        int versymOffset = checked((int)versym.Offset + 2 * symIndex);
        ushort version = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(elf[versymOffset..]) & 0x7fff);
        int vernauxOffset = -1;
        if (version > VersymGlobal)
        {
            for (int i = 0; i < (int)(dynsym.Size / SymSize); i++)
            {
                if (i != symIndex && (BinaryPrimitives.ReadUInt16LittleEndian(elf[((int)versym.Offset + 2 * i)..]) & 0x7fff) == version)
                    throw new InvalidDataException($"Other symbols also need the version of {MissingSymbol}; the patch would not help.");
            }
            vernauxOffset = FindVernaux(elf, sections, version);
        }

        // All checks done; now edit. (Mangled names start with "_Z", so no other .dynstr
        // entry can be a shared tail of this name: overwriting it affects only this symbol.)
        int nameOffset = checked((int)dynstr.Offset + (int)ReadSymbolName(elf, dynsym, symIndex));
        var name = elf.Slice(nameOffset, MissingSymbol.Length);
        name.Clear();
        Encoding.ASCII.GetBytes(ReplacementSymbol, name);

        BinaryPrimitives.WriteUInt16LittleEndian(elf[versymOffset..], VersymGlobal);

        if (vernauxOffset >= 0)
        {
            var flags = elf.Slice(vernauxOffset + 4, 2);
            BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(flags) | VerFlgWeak));
        }
        return true;
    }

    /// <summary>Flags of the version requirement named <paramref name="versionName"/> (e.g. "GLIBCXX_3.4.32"), or null.</summary>
    public static ushort? GetVersionRequirementFlags(ReadOnlySpan<byte> elf, string versionName)
    {
        var sections = ReadSections(elf);
        var verneed = sections.SingleOrDefault(s => s.Type == ShtGnuVerneed);
        if (verneed is null)
            return null;
        var strtab = sections[(int)verneed.Link];  // vna_name indexes .dynstr
        foreach (int aux in EnumerateVernaux(elf, sections))
        {
            if (ReadString(elf, strtab, BinaryPrimitives.ReadUInt32LittleEndian(elf[(aux + 8)..])) == versionName)
                return BinaryPrimitives.ReadUInt16LittleEndian(elf[(aux + 4)..]);
        }
        return null;
    }

    /// <summary>Dynamic symbol names with their .gnu.version index, in table order (for tests and diagnostics).</summary>
    public static IReadOnlyList<(string Name, ushort Version)> ReadDynamicSymbols(ReadOnlySpan<byte> elf)
    {
        var sections = ReadSections(elf);
        var dynsym = sections.Single(s => s.Type == ShtDynsym);
        var versym = sections.SingleOrDefault(s => s.Type == ShtGnuVersym);
        var result = new List<(string, ushort)>();
        for (int i = 0; i < (int)(dynsym.Size / SymSize); i++)
        {
            ushort ver = versym is null ? (ushort)0 : BinaryPrimitives.ReadUInt16LittleEndian(elf[((int)versym.Offset + 2 * i)..]);
            result.Add((ReadString(elf, sections[(int)dynsym.Link], ReadSymbolName(elf, dynsym, i)), ver));
        }
        return result;
    }

    private sealed record Section(uint Type, ulong Offset, ulong Size, uint Link);

    private static Section[] ReadSections(ReadOnlySpan<byte> elf)
    {
        // e_ident: "\x7fELF", EI_CLASS = 2 (64-bit), EI_DATA = 1 (little-endian).
        if (elf.Length < 64 || !elf[..4].SequenceEqual("\u007fELF"u8) || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Not a little-endian ELF64 file.");

        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        if (shentsize != SectionSize || shoff + (ulong)shnum * SectionSize > (ulong)elf.Length)
            throw new InvalidDataException("Bad ELF section header table.");

        var sections = new Section[shnum];
        for (int i = 0; i < shnum; i++)
        {
            var sh = elf.Slice((int)shoff + i * SectionSize, SectionSize);
            sections[i] = new Section(
                Type: BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]),
                Offset: BinaryPrimitives.ReadUInt64LittleEndian(sh[24..]),
                Size: BinaryPrimitives.ReadUInt64LittleEndian(sh[32..]),
                Link: BinaryPrimitives.ReadUInt32LittleEndian(sh[40..]));
            if (sections[i].Offset + sections[i].Size > (ulong)elf.Length && sections[i].Type != 8 /* SHT_NOBITS */)
                throw new InvalidDataException($"ELF section {i} lies outside the file.");
        }
        return sections;
    }

    /// <summary>Index of <see cref="MissingSymbol"/> in .dynsym, or -1.</summary>
    private static int FindSymbol(ReadOnlySpan<byte> elf, Section[] sections)
    {
        var dynsym = sections.SingleOrDefault(s => s.Type == ShtDynsym);
        if (dynsym is null)
            return -1;
        var dynstr = sections[(int)dynsym.Link];
        for (int i = 0; i < (int)(dynsym.Size / SymSize); i++)
        {
            if (ReadString(elf, dynstr, ReadSymbolName(elf, dynsym, i)) == MissingSymbol)
                return i;
        }
        return -1;
    }

    /// <summary>File offset of the Elf64_Vernaux whose vna_other is <paramref name="version"/>.</summary>
    private static int FindVernaux(ReadOnlySpan<byte> elf, Section[] sections, ushort version)
    {
        foreach (int aux in EnumerateVernaux(elf, sections))
        {
            if (BinaryPrimitives.ReadUInt16LittleEndian(elf[(aux + 6)..]) == version)
                return aux;
        }
        throw new InvalidDataException($"No .gnu.version_r entry for version index {version}.");
    }

    /// <summary>File offsets of every Elf64_Vernaux in .gnu.version_r (a linked list of lists).</summary>
    private static List<int> EnumerateVernaux(ReadOnlySpan<byte> elf, Section[] sections)
    {
        var result = new List<int>();
        var verneed = sections.SingleOrDefault(s => s.Type == ShtGnuVerneed);
        if (verneed is null)
            return result;
        int need = (int)verneed.Offset;
        while (true)
        {
            // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32.
            ushort count = BinaryPrimitives.ReadUInt16LittleEndian(elf[(need + 2)..]);
            int aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(need + 8)..]);
            for (int j = 0; j < count; j++)
            {
                // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32.
                result.Add(aux);
                aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(aux + 12)..]);
            }
            uint next = BinaryPrimitives.ReadUInt32LittleEndian(elf[(need + 12)..]);
            if (next == 0)
                return result;
            need += (int)next;
        }
    }

    private static uint ReadSymbolName(ReadOnlySpan<byte> elf, Section dynsym, int index) =>
        BinaryPrimitives.ReadUInt32LittleEndian(elf[checked((int)dynsym.Offset + index * SymSize)..]);

    private static string ReadString(ReadOnlySpan<byte> elf, Section strtab, uint offset)
    {
        var s = elf.Slice(checked((int)(strtab.Offset + offset)));
        int end = s.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? s : s[..end]);
    }
}
