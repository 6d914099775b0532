namespace Eager.NN;

/// <summary>
/// RMSprop (Hinton), Keras' rule: <c>v = rho v + (1 - rho) g^2</c>; centered also tracks <c>a = rho a + (1 - rho) g</c>
/// and uses <c>v - a^2</c>; the step is <c>lr g / sqrt(denominator + eps)</c>, accumulated into a momentum buffer when
/// momentum is non-zero.
/// </summary>
public sealed class RMSProp : Optimizer
{
    /// <summary>RMSprop with a fixed learning rate (Keras defaults).</summary>
    public RMSProp(double learningRate = 0.001, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, bool centered = false)
        : base(learningRate, null, "RMSProp") => Init(rho, momentum, epsilon, centered);

    /// <summary>RMSprop whose learning rate follows <paramref name="schedule"/>.</summary>
    public RMSProp(LearningRateSchedule schedule, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, bool centered = false)
        : base(0, schedule ?? throw new ArgumentNullException(nameof(schedule)), "RMSProp") => Init(rho, momentum, epsilon, centered);

    /// <summary>Decay of the squared-gradient average.</summary>
    public double Rho { get; private set; }

    /// <summary>Momentum coefficient.</summary>
    public double Momentum { get; private set; }

    /// <summary>Added inside the square root.</summary>
    public double Epsilon { get; private set; }

    /// <summary>Whether the gradient's variance (not its raw second moment) normalises the step.</summary>
    public bool Centered { get; private set; }

    private void Init(double rho, double momentum, double epsilon, bool centered)
    {
        if (rho is < 0 or > 1 || double.IsNaN(rho)) throw new ArgumentOutOfRangeException(nameof(rho), $"RMSProp: rho must be in [0, 1], got {rho}.");
        if (momentum is < 0 or > 1 || double.IsNaN(momentum)) throw new ArgumentOutOfRangeException(nameof(momentum), $"RMSProp: momentum must be in [0, 1], got {momentum}.");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"RMSProp: epsilon must be non-negative, got {epsilon}.");
        (Rho, Momentum, Epsilon, Centered) = (rho, momentum, epsilon, centered);
    }

    /// <inheritdoc/>
    protected override void CreateSlots(Variable variable)
    {
        AddSlot(variable, "velocity");
        if (Momentum > 0) AddSlot(variable, "momentum");
        if (Centered) AddSlot(variable, "average_gradient");
    }

    /// <inheritdoc/>
    protected override Tensor Update(Tensor grad, Variable variable, Tensor lr)
    {
        var dt = variable.DType;
        var rho = Scalar(Rho, dt);
        var oneMinusRho = Scalar(1 - Rho, dt);
        var vel = GetSlot(variable, "velocity");
        Tensor denom = vel.Assign(Ops.Add(Ops.Multiply(vel.Read(), rho), Ops.Multiply(Ops.Square(grad), oneMinusRho)));
        if (Centered)
        {
            var avg = GetSlot(variable, "average_gradient");
            var aNew = avg.Assign(Ops.Add(Ops.Multiply(avg.Read(), rho), Ops.Multiply(grad, oneMinusRho)));
            denom = Ops.Subtract(denom, Ops.Square(aNew));
        }
        var increment = Ops.Divide(Ops.Multiply(lr, grad), Ops.Sqrt(Ops.Add(denom, Scalar(Epsilon, dt))));
        if (Momentum == 0) return variable.AssignSub(increment);
        var m = GetSlot(variable, "momentum");
        var mNew = m.Assign(Ops.Add(Ops.Multiply(m.Read(), Scalar(Momentum, dt)), increment));
        return variable.AssignSub(mNew);
    }
}
