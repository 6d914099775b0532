namespace Eager;

public sealed partial class GradientTape
{
    /// <summary>
    /// The full Jacobian d target[i...] / d source[j...], of shape <c>target.Shape ++ source.Shape</c>, computed with
    /// one backward pass per target element. It counts as one answer: a non-persistent tape may compute one Jacobian
    /// (and nothing else). Shapes must be fully defined. Null when unconnected (zeros with
    /// <see cref="UnconnectedGradients.Zero"/>), and null for integer or bool tensors. Eagerly, when no other tape
    /// watches the gradients, the rows are copied into one tensor (not recorded); otherwise the result is built
    /// from ops, so an outer tape can differentiate it again.
    /// </summary>
    /// <exception cref="ArgumentException">A shape is not fully defined.</exception>
    /// <exception cref="InvalidOperationException">A non-persistent tape was already asked.</exception>
    public Tensor? Jacobian(Tensor target, Tensor source, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(source);
        return JacobianCore(target, source, batch: false, unconnected);
    }

    /// <summary>The Jacobian of <paramref name="target"/> with respect to a variable (see <see cref="Jacobian(Tensor, Tensor, UnconnectedGradients)"/>).</summary>
    public Tensor? Jacobian(Tensor target, Variable source, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(source);
        return JacobianCore(target, source, batch: false, unconnected);
    }

    /// <summary>
    /// The per-example Jacobian for a target of shape <c>(B, T...)</c> and a source of shape <c>(B, S...)</c> whose batch
    /// rows are independent (row b of the target depends only on row b of the source): result <c>(B, T..., S...)</c>
    /// with result[b, t, s] = d target[b, t] / d source[b, s]. One backward pass per element of T. If rows are not
    /// independent the answer is wrong, as in TensorFlow. Same answer rules as <see cref="Jacobian(Tensor, Tensor, UnconnectedGradients)"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes are not fully defined, or the batch dimensions differ or are missing.</exception>
    public Tensor? BatchJacobian(Tensor target, Tensor source, UnconnectedGradients unconnected = UnconnectedGradients.None)
    {
        ArgumentNullException.ThrowIfNull(source);
        return JacobianCore(target, source, batch: true, unconnected);
    }

    private Tensor? JacobianCore(Tensor target, object source, bool batch, UnconnectedGradients unconnected)
    {
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfDisposed();
        string op = batch ? "BatchJacobian" : "Jacobian";
        BeginAnswer();
        try
        {
            var s = Resolve(source);
            if (!target.Shape.IsFullyDefined || !s.Shape.IsFullyDefined)
                throw new ArgumentException($"GradientTape.{op}: shapes must be fully defined; the target is {target.Shape}, the source {s.Shape}.");
            if (batch && (target.Rank < 1 || s.Shape.Rank < 1 || target.Shape[0] != s.Shape[0]))
                throw new ArgumentException($"GradientTape.BatchJacobian: the target {target.Shape} and the source {s.Shape} need the same leading (batch) dimension.");
            if (!target.DType.IsFloating || !s.DType.IsFloating) return null;

            int b = batch ? target.Shape[0] : 1;
            var tDims = batch ? target.Shape.ToArray()[1..] : target.Shape.ToArray();
            var sDims = batch ? s.Shape.ToArray()[1..] : s.Shape.ToArray();
            int rows = Shape.Wrap(tDims).Size;
            var lead = batch ? new[] { b } : [];
            var outShape = Shape.Wrap([.. lead, .. tDims, .. sDims]);

            if (rows == 0 || outShape.Size == 0) return Ops.Constant(Tensor.Zeros(outShape, s.DType));

            var grads = new Tensor?[rows];
            for (int j = 0; j < rows; j++)
            {
                var seed = OneHotSeed(target.Shape, target.DType, b, rows, j);
                grads[j] = Compute(target, [s], seed, UnconnectedGradients.None)[0];
            }
            if (grads.All(g => g is null))
                return unconnected == UnconnectedGradients.Zero ? Ops.Constant(Tensor.Zeros(outShape, s.DType)) : null;
            bool recorded = Graph.Current is not null || grads.Any(g => g is not null && (g.IsSymbolic || IsWatchedByAnyTape(g)));
            return recorded
                ? AssembleWithOps(grads, lead, tDims, sDims)
                : AssembleByCopy(grads, b, rows, Shape.Wrap(sDims).Size, outShape, s.DType);
        }
        finally { EndAnswer(); }
    }

    /// <summary>Ones at flat position j of every batch row (b rows of <paramref name="rows"/> elements), zeros elsewhere.</summary>
    private static Tensor OneHotSeed(Shape shape, DType dtype, int b, int rows, int j)
    {
        var v = new double[shape.Size];
        for (int i = 0; i < b; i++) v[i * rows + j] = 1;
        return Tensor.FromDoubles(v, shape, dtype);
    }

    private static Tensor AssembleByCopy(Tensor?[] grads, int b, int rows, int cols, Shape outShape, DType dtype)
    {
        var values = new double[outShape.Size];
        for (int j = 0; j < rows; j++)
        {
            if (grads[j] is not { } g) continue;
            var gv = g.ToDoubleArray(); // (b, cols)
            for (int i = 0; i < b; i++)
                Array.Copy(gv, i * cols, values, (i * rows + j) * cols, cols);
        }
        return Tensor.FromDoubles(values, outShape, dtype);
    }

    // Rows stacked along the target axis (zeros for unconnected rows), then reshaped: only public ops, so the
    // result is recorded by outer tapes and traced into graphs.
    private static Tensor AssembleWithOps(Tensor?[] grads, int[] lead, int[] tDims, int[] sDims)
    {
        var like = grads.First(g => g is not null)!;
        var rows = grads.Select(g => g ?? Ops.ZerosLike(like)).ToArray();
        var stacked = Ops.Stack(rows, axis: lead.Length);
        return Ops.Reshape(stacked, [.. lead, .. tDims, .. sDims]);
    }
}
