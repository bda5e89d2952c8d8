namespace Neurodecode.Preprocess.Steps;

/// <summary>
/// A pipeline spec that cannot run on the given recordings, found before any work: the message names the step
/// (by position and name) and the value, e.g. <c>step 3 'filter': h_freq (90.0) must be less than the Nyquist frequency 80.0</c>.
/// </summary>
public sealed class PipelineSpecException(string message, Exception? inner = null) : Exception(message, inner);
