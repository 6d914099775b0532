namespace Eager.NN;

/// <summary>
/// Adam (Kingma and Ba), Keras' rule: <c>m += (g - m)(1 - b1)</c>, <c>v += (g^2 - v)(1 - b2)</c>,
/// <c>w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)</c> with t the 1-based step;
/// with AMSGrad the running maximum of v is used.
/// </summary>
public class Adam : Optimizer
{
    /// <summary>Adam with a fixed learning rate (Keras defaults).</summary>
    public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false)
        : this(learningRate, null, beta1, beta2, epsilon, amsgrad, "Adam") { }

    /// <summary>Adam whose learning rate follows <paramref name="schedule"/>.</summary>
    public Adam(LearningRateSchedule schedule, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false)
        : this(0, schedule ?? throw new ArgumentNullException(nameof(schedule)), beta1, beta2, epsilon, amsgrad, "Adam") { }

    /// <summary>For subclasses (AdamW).</summary>
    protected Adam(double learningRate, LearningRateSchedule? schedule, double beta1, double beta2, double epsilon, bool amsgrad, string name)
        : base(learningRate, schedule, name)
    {
        if (beta1 is < 0 or >= 1 || double.IsNaN(beta1)) throw new ArgumentOutOfRangeException(nameof(beta1), $"{name}: beta1 must be in [0, 1), got {beta1}.");
        if (beta2 is < 0 or >= 1 || double.IsNaN(beta2)) throw new ArgumentOutOfRangeException(nameof(beta2), $"{name}: beta2 must be in [0, 1), got {beta2}.");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"{name}: epsilon must be non-negative, got {epsilon}.");
        (Beta1, Beta2, Epsilon, AmsGrad) = (beta1, beta2, epsilon, amsgrad);
    }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to sqrt(v) for numerical stability.</summary>
    public double Epsilon { get; }

    /// <summary>Whether the AMSGrad variant is used.</summary>
    public bool AmsGrad { get; }

    /// <inheritdoc/>
    protected override void CreateSlots(Variable variable)
    {
        AddSlot(variable, "m");
        AddSlot(variable, "v");
        if (AmsGrad) AddSlot(variable, "vhat");
    }

    /// <inheritdoc/>
    protected override Tensor Update(Tensor grad, Variable variable, Tensor lr)
    {
        var dt = variable.DType;
        var t = StepAsFloat(dt);
        var b1Power = Ops.Pow(Scalar(Beta1, dt), t);
        var b2Power = Ops.Pow(Scalar(Beta2, dt), t);
        var alpha = Ops.Divide(Ops.Multiply(lr, Ops.Sqrt(Ops.Subtract(Scalar(1, dt), b2Power))), Ops.Subtract(Scalar(1, dt), b1Power));
        var m = GetSlot(variable, "m");
        var v = GetSlot(variable, "v");
        // One pass over weight, moments and gradient (bitwise the op-by-op rule below), written into the variables'
        // own buffers where nothing else reads them.
        if (!AmsGrad) return Ops.ApplyAdam(variable, m, v, grad, alpha, Beta1, Beta2, Epsilon);
        var mNew = m.AssignAdd(Ops.Multiply(Ops.Subtract(grad, m.Read()), Scalar(1 - Beta1, dt)));
        var vNew = v.AssignAdd(Ops.Multiply(Ops.Subtract(Ops.Square(grad), v.Read()), Scalar(1 - Beta2, dt)));
        if (AmsGrad)
        {
            var vhat = GetSlot(variable, "vhat");
            vNew = vhat.Assign(Ops.Maximum(vhat.Read(), vNew));
        }
        var denom = Ops.Add(Ops.Sqrt(vNew), Scalar(Epsilon, dt));
        return variable.AssignSub(Ops.Divide(Ops.Multiply(mNew, alpha), denom));
    }
}

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter): each step first does
/// <c>w -= lr * weightDecay * w</c>, then the Adam update. Keras' default decay 0.004.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>AdamW with a fixed learning rate.</summary>
    public AdamW(double learningRate = 0.001, double weightDecay = 0.004, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false)
        : base(learningRate, null, beta1, beta2, epsilon, amsgrad, "AdamW") => WeightDecay = CheckDecay(weightDecay);

    /// <summary>AdamW whose learning rate follows <paramref name="schedule"/>.</summary>
    public AdamW(LearningRateSchedule schedule, double weightDecay = 0.004, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7, bool amsgrad = false)
        : base(0, schedule ?? throw new ArgumentNullException(nameof(schedule)), beta1, beta2, epsilon, amsgrad, "AdamW") => WeightDecay = CheckDecay(weightDecay);

    private static double CheckDecay(double d) =>
        d >= 0 && double.IsFinite(d) ? d : throw new ArgumentOutOfRangeException(nameof(d), $"AdamW: weightDecay must be finite and non-negative, got {d}.");
}
