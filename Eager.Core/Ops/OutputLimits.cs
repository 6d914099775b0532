namespace Eager;

/// <summary>
/// Checks on the size of an op's outputs before anything is allocated: every inferred output must fit a tensor
/// (2^31-1 elements), and inside <see cref="Dispatcher.LimitElements"/> the eager outputs on this thread share a budget.
/// </summary>
internal static class OutputLimits
{
    [ThreadStatic] private static ElementBudget? budget;

    /// <summary>The number of elements of <paramref name="s"/> without overflow; -1 when a dimension or the rank is unknown.</summary>
    internal static long Elements(Shape s)
    {
        if (s.IsUnknownRank) return -1;
        long n = 1;
        for (int i = 0; i < s.Rank; i++)
        {
            if (s[i] < 0) return -1;
            n = s[i] == 0 || n <= long.MaxValue / s[i] ? n * s[i] : long.MaxValue;
        }
        return n;
    }

    /// <summary>Rejects an inferred output that no tensor can hold, naming the op and its inputs.</summary>
    internal static TensorSpec[] CheckFits(string op, Tensor[] inputs, TensorSpec[] specs)
    {
        for (int i = 0; i < specs.Length; i++)
        {
            long n = Elements(specs[i].Shape);
            if (n > int.MaxValue)
                throw new ArgumentException($"{op}: output {i} would be {specs[i].DType.Name()}{specs[i].Shape}, {n} elements, more than a tensor can hold (2^31-1); inputs {Describe(inputs)}.");
        }
        return specs;
    }

    internal static bool Limited => budget is not null;

    /// <summary>Charges the budget for outputs whose size inference knows, before the kernel runs.</summary>
    internal static void ChargeKnown(OpDef op, Tensor[] inputs, TensorSpec[] specs)
    {
        var b = budget!;
        long n = 0;
        foreach (var s in specs) n += Math.Max(0, Elements(s.Shape));
        b.Take(op.Name, n, inputs, specs.Select(s => s.DType.Name() + s.Shape));
    }

    /// <summary>Charges the budget for outputs whose size only the kernel knew.</summary>
    internal static void ChargeUnknown(OpDef op, Tensor[] inputs, TensorSpec[] specs, Tensor[] outputs)
    {
        var b = budget!;
        long n = 0;
        for (int i = 0; i < specs.Length; i++) if (Elements(specs[i].Shape) < 0) n += outputs[i].Shape.Size;
        if (n > 0) b.Take(op.Name, n, inputs, outputs.Select(o => o.DType.Name() + o.Shape));
    }

    internal static IDisposable Begin(long elements)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        var scope = new ElementBudget(elements, budget);
        budget = scope;
        return scope;
    }

    private static string Describe(Tensor[] inputs) => inputs.Length == 0 ? "none" : string.Join(", ", inputs.Select(t => t.DType.Name() + t.Shape));

    private sealed class ElementBudget : IDisposable
    {
        private readonly long total;
        private readonly ElementBudget? outer;
        private long left;
        private bool disposed;

        public ElementBudget(long total, ElementBudget? outer)
        {
            this.total = total;
            this.outer = outer;
            left = total;
        }

        public void Take(string op, long n, Tensor[] inputs, IEnumerable<string> outputs)
        {
            if (n > left)
                throw new ArgumentException($"{op}: outputs {string.Join(", ", outputs)} ({n} elements) exceed the {left} elements left of this computation's limit of {total}; inputs {Describe(inputs)}.");
            left -= n;
        }

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            if (ReferenceEquals(budget, this)) budget = outer;
        }
    }
}
