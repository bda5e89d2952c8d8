namespace Neurodecode.Tests;

/// <summary>
/// Tests that measure the live managed heap run alone: the heap is shared by every test in the process.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "Memory measurement";
}
