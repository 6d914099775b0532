namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    private static Tensor Flat(params Tensor[] parts) => Ops.Concat(parts.Select(t => Ops.Reshape(t, -1)));

    /// <summary>Samples for Lstm, Gru, Rnn and their gradient ops.</summary>
    public static IEnumerable<OpSample> Recurrent()
    {
        var lens = Tensor.From(new[] { 3, 1 });
        yield return new("Lstm", [new(3, 2, 3), new(2, 8, 3), new(2, 8, 2), new(2, 16), new(2, 2, 2), new(2, 2, 2), new(2, 6)], x =>
        {
            var (y, h, c) = Ops.Lstm(x[0], x[1], x[2], x[3], lens, x[4], x[5], x[6], "bidirectional");
            return Flat(y, h, c);
        });
        yield return new("Lstm", [new(4, 1, 2), new(1, 12, 2), new(1, 12, 3)], x => Flat(Ops.Lstm(x[0], x[1], x[2], direction: "reverse").Y)) { Label = "reverse" };
        yield return new("Gru", [new(3, 2, 3), new(2, 6, 3), new(2, 6, 2), new(2, 12), new(2, 2, 2)], x =>
        {
            var (y, h) = Ops.Gru(x[0], x[1], x[2], x[3], lens, x[4], "bidirectional");
            return Flat(y, h);
        });
        yield return new("Gru", [new(3, 2, 3), new(1, 9, 3), new(1, 9, 3), new(1, 18)], x =>
            Flat(Ops.Gru(x[0], x[1], x[2], x[3], linearBeforeReset: true).Y)) { Label = "linear-before-reset" };
        yield return new("Rnn", [new(3, 2, 3), new(1, 4, 3), new(1, 4, 4), new(1, 8), new(1, 2, 4)], x =>
        {
            var (y, h) = Ops.Rnn(x[0], x[1], x[2], x[3], lens, x[4], "reverse");
            return Flat(y, h);
        });
        // The gradient ops take the forward operands and the outputs' gradients.
        var forward = new Attrs { { "direction", "forward" }, { "present", 0 } };
        yield return new("LstmGrad", [new(3, 2, 3), new(1, 8, 3), new(1, 8, 2), new(3, 1, 2, 2), new(1, 2, 2), new(1, 2, 2)], x =>
            Flat(Dispatcher.Apply(Eager.RecurrentOps.LstmGradDef, x, forward)), Differentiable: false);
        yield return new("GruGrad", [new(3, 2, 3), new(1, 6, 3), new(1, 6, 2), new(3, 1, 2, 2), new(1, 2, 2)], x =>
            Flat(Dispatcher.Apply(Eager.RecurrentOps.GruGradDef, x, forward.With("linear_before_reset", false))), Differentiable: false);
        yield return new("RnnGrad", [new(3, 2, 3), new(1, 2, 3), new(1, 2, 2), new(3, 1, 2, 2), new(1, 2, 2)], x =>
            Flat(Dispatcher.Apply(Eager.RecurrentOps.RnnGradDef, x, forward)), Differentiable: false);
    }
}
