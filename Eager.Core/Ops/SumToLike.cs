namespace Eager;

internal static partial class ReductionOps
{
    /// <summary>
    /// <paramref name="grad"/> summed over the axes along which a tensor shaped like <paramref name="like"/> was broadcast
    /// to grad's shape (<see cref="Broadcasting.UnBroadcast"/> decided at run time). Gradients of broadcasting ops use it
    /// when a rank is unknown while the graph is built (a placeholder made without a shape), so which axes to sum is
    /// known only from the fed shapes. Only like's shape is read.
    /// </summary>
    internal static Tensor SumToLike(Tensor grad, Tensor like) => Dispatcher.Apply1(SumToLikeDef, Attrs.Empty, grad, like);

    internal const string SumToLikeName = "SumToLike";
    internal static readonly OpDef SumToLikeDef = new(SumToLikeName,
        (x, _) =>
        {
            var (g, like) = (x[0], x[1]);
            if (!g.DType.IsNumeric) throw new ArgumentException($"SumToLike: {g.DType.Name()}{g.Shape} cannot be summed; a numeric tensor is needed.");
            if (!g.Shape.IsUnknownRank && !like.Shape.IsUnknownRank
                && (like.Rank > g.Rank || !Broadcasting.Shape(SumToLikeName, g.Shape, like.Shape).IsCompatibleWith(g.Shape)))
                throw new ArgumentException($"SumToLike: {like.Shape} does not broadcast to {g.Shape}, so {g.DType.Name()}{g.Shape} cannot be summed back to it.");
            return [new TensorSpec(like.Shape, g.DType)];
        },
        (x, _) =>
        {
            // The shapes are concrete here, so the static rule applies; its ops run now and are recorded nowhere.
            using (Graph.EagerScope())
            using (GradientTape.NoGradient())
                return [Broadcasting.UnBroadcast(x[0], x[1])];
        })
    {
        NoOnnx = OnnxMap.BackwardOnly,
        Gradient = c => [Ops.BroadcastLike(c.Grad, c.X(0)), null],
    };
}
