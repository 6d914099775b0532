using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>The coordinates of the non-zero elements (ONNX NonZero; tf.where with one argument, transposed).</summary>
public static partial class Ops
{
    /// <summary>
    /// The int64 coordinates of x's non-zero (true) elements in row-major order, one row per axis: shape
    /// [rank, count]. The count is known only when the op runs, so a traced graph carries it as an unknown dimension.
    /// </summary>
    public static Tensor NonZero(Tensor x) => Dispatcher.Apply1(NonZeroDef, Attrs.Empty, x);
}

internal static partial class ArrayOps
{
    internal static readonly OpDef NonZeroDef = new("NonZero",
        (x, _) => [new TensorSpec(new Shape(x[0].Rank, -1), DType.Int64)],
        (x, _) =>
        {
            var v = x[0].ToDoubleArray();
            var dims = x[0].Shape.ToArray();
            int count = v.Count(e => e != 0);
            var result = new long[dims.Length * count];
            var coord = new int[dims.Length];
            for (int p = 0, k = 0; p < v.Length; p++)
            {
                if (v[p] != 0)
                {
                    for (int d = 0; d < dims.Length; d++) result[d * count + k] = coord[d];
                    k++;
                }
                for (int d = dims.Length - 1; d >= 0; d--) { if (++coord[d] < dims[d]) break; coord[d] = 0; }
            }
            return [Tensor.From(result, new Shape(dims.Length, count))];
        })
    {
        Onnx = e => e.Add("NonZero", [e.Input(0)], [e.Output(0)]),
    };
}
