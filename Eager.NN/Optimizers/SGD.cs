namespace Eager.NN;

/// <summary>
/// Stochastic gradient descent, Keras' rule. Without momentum: <c>w -= lr * g</c>. With momentum:
/// <c>m = momentum * m - lr * g</c>, then <c>w += m</c>, or with Nesterov <c>w += momentum * m - lr * g</c>.
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>SGD with a fixed learning rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">momentum is outside [0, 1].</exception>
    public SGD(double learningRate = 0.01, double momentum = 0, bool nesterov = false) : base(learningRate, null, "SGD") => (Momentum, Nesterov) = Check(momentum, nesterov);

    /// <summary>SGD whose learning rate follows <paramref name="schedule"/>.</summary>
    public SGD(LearningRateSchedule schedule, double momentum = 0, bool nesterov = false) : base(0, schedule ?? throw new ArgumentNullException(nameof(schedule)), "SGD") => (Momentum, Nesterov) = Check(momentum, nesterov);

    /// <summary>The momentum coefficient (0 for plain SGD).</summary>
    public double Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    private static (double, bool) Check(double momentum, bool nesterov)
    {
        if (momentum is < 0 or > 1 || double.IsNaN(momentum)) throw new ArgumentOutOfRangeException(nameof(momentum), $"SGD: momentum must be in [0, 1], got {momentum}.");
        return (momentum, nesterov);
    }

    /// <inheritdoc/>
    protected override void CreateSlots(Variable variable)
    {
        if (Momentum != 0) AddSlot(variable, "momentum");
    }

    /// <inheritdoc/>
    protected override Tensor Update(Tensor grad, Variable variable, Tensor lr)
    {
        var step = Ops.Multiply(grad, lr);
        if (Momentum == 0) return variable.AssignSub(step);
        var m = GetSlot(variable, "momentum");
        var mu = Scalar(Momentum, variable.DType);
        var mNew = m.Assign(Ops.Subtract(Ops.Multiply(m.Read(), mu), step));
        return variable.AssignAdd(Nesterov ? Ops.Subtract(Ops.Multiply(mNew, mu), step) : mNew);
    }
}
