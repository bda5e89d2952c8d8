namespace Neurodecode.Models.Training;

/// <summary>
/// Learning rate per optimiser step: optional linear warmup, then cosine annealing to <see cref="EtaMin"/> as torch's
/// <c>CosineAnnealingLR(T_max, eta_min)</c> stepped once per batch (CBraMod's recipe: T_max = epochs × batches per
/// epoch, eta_min 1e-6). Step t (0-based, the t-th optimiser step) uses
/// <code>
///   t &lt; W:  base · (t + 1) / W                                         (warmup, W = WarmupSteps)
///   t ≥ W:  eta_min + (base − eta_min) · (1 + cos(π (t − W) / (T − W))) / 2     (T = TotalSteps)
/// </code>
/// which with W = 0 is torch's closed form (<c>_get_closed_form_lr</c>); torch's chained update gives the same
/// values up to rounding. Past T the cosine continues (rises again), as torch's does. One schedule serves every
/// parameter group, each from its own base rate; eta_min is the same absolute floor for all groups, as in torch.
/// </summary>
public sealed record LrSchedule(long TotalSteps, double EtaMin = 0, long WarmupSteps = 0)
{
    public void Validate()
    {
        if (TotalSteps < 1) throw new ArgumentException($"total_steps ({TotalSteps}) must be at least 1");
        if (WarmupSteps < 0 || WarmupSteps >= TotalSteps)
            throw new ArgumentException($"warmup_steps ({WarmupSteps}) must be in 0..{TotalSteps - 1} (total_steps {TotalSteps})");
        if (!(EtaMin >= 0)) throw new ArgumentException($"eta_min ({EtaMin}) must be non-negative");
    }

    /// <summary>The rate of optimiser step <paramref name="step"/> (0-based) for a group whose base rate is
    /// <paramref name="baseLr"/>.</summary>
    public double LearningRate(double baseLr, long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "must be non-negative");
        if (step < WarmupSteps) return baseLr * (step + 1) / WarmupSteps;
        long t = step - WarmupSteps, tMax = TotalSteps - WarmupSteps;
        return EtaMin + (baseLr - EtaMin) * (1 + Math.Cos(Math.PI * t / tMax)) / 2;
    }
}
