namespace Eager.NN;

/// <summary>Adagrad (Duchi et al.), Keras' rule: <c>acc += g^2</c>, <c>w -= lr g / sqrt(acc + eps)</c>; the accumulator starts at 0.1.</summary>
public sealed class Adagrad : Optimizer
{
    /// <summary>Adagrad with a fixed learning rate (Keras defaults).</summary>
    public Adagrad(double learningRate = 0.001, double initialAccumulatorValue = 0.1, double epsilon = 1e-7)
        : base(learningRate, null, "Adagrad") => Init(initialAccumulatorValue, epsilon);

    /// <summary>Adagrad whose learning rate follows <paramref name="schedule"/>.</summary>
    public Adagrad(LearningRateSchedule schedule, double initialAccumulatorValue = 0.1, double epsilon = 1e-7)
        : base(0, schedule ?? throw new ArgumentNullException(nameof(schedule)), "Adagrad") => Init(initialAccumulatorValue, epsilon);

    /// <summary>The accumulator's starting value.</summary>
    public double InitialAccumulatorValue { get; private set; }

    /// <summary>Added inside the square root.</summary>
    public double Epsilon { get; private set; }

    private void Init(double initial, double epsilon)
    {
        if (!(initial >= 0)) throw new ArgumentOutOfRangeException(nameof(initial), $"Adagrad: initialAccumulatorValue must be non-negative, got {initial}.");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"Adagrad: epsilon must be non-negative, got {epsilon}.");
        (InitialAccumulatorValue, Epsilon) = (initial, epsilon);
    }

    /// <inheritdoc/>
    protected override void CreateSlots(Variable variable) => AddSlot(variable, "accumulator", InitialAccumulatorValue);

    /// <inheritdoc/>
    protected override Tensor Update(Tensor grad, Variable variable, Tensor lr)
    {
        var acc = GetSlot(variable, "accumulator");
        var aNew = acc.AssignAdd(Ops.Square(grad));
        return variable.AssignSub(Ops.Divide(Ops.Multiply(lr, grad), Ops.Sqrt(Ops.Add(aNew, Scalar(Epsilon, variable.DType)))));
    }
}
