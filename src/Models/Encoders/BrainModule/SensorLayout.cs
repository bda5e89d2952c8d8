namespace Neurodecode.Models.Encoders.BrainModule;

/// <summary>
/// Sensors' 2-D positions in the order of a recording's channels, each axis min-max normalised to [0, 1] over the
/// known sensors (what brainmagick's <c>PositionGetter</c> makes of <c>mne.find_layout(info).pos[:, :2]</c>). A sensor
/// without a position is NaN: the spatial attention gives it no weight.
/// </summary>
public sealed partial record SensorLayout(string Name, IReadOnlyList<string> ChannelNames, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    public int Count => ChannelNames.Count;

    public bool IsKnown(int channel) => double.IsFinite(X[channel]) && double.IsFinite(Y[channel]);

    /// <summary>Every built-in layout by name.</summary>
    public static IReadOnlyList<string> Names => [Eegmmidb64Name];

    /// <summary>The built-in layout called <paramref name="name"/>, or null.</summary>
    public static SensorLayout? Find(string? name) => name switch
    {
        Eegmmidb64Name => Eegmmidb64,
        _ => null,
    };

    /// <summary>The built-in layout called <paramref name="name"/>; an unknown name is an error listing the known ones.</summary>
    public static SensorLayout Get(string name) => Find(name)
        ?? throw new ArgumentException($"layout '{name}' is not a known layout (known: {string.Join(", ", Names)})");
}
