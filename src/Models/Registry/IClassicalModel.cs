namespace Neurodecode.Models.Registry;

/// <summary>
/// A decoder fitted once on all training windows, without epochs or gradients (CSP + LDA, connectivity + logistic
/// regression): training calls <see cref="Fit"/> and scores validation and test with <see cref="PredictProba"/>.
/// </summary>
public interface IClassicalModel : IDecoderModel
{
    /// <summary>Fits on labelled windows (batch x channels x samples, float32; class ids 0 .. n_outputs − 1, every
    /// class present).</summary>
    void Fit(ReadOnlySpan<float> windows, ReadOnlySpan<long> labels);

    /// <summary>Class probabilities, batch x n_outputs row-major (scikit-learn's <c>predict_proba</c>).</summary>
    double[] PredictProba(ReadOnlySpan<float> windows, int batch);
}
