using System.Numerics;
using Eager.Kernels.Elementwise;

namespace Eager;

/// <summary>NumPy broadcasting rules and the dtype switch for binary element-wise kernels.</summary>
internal static class Broadcasting
{
    /// <summary>The broadcast shape of a and b, or an ArgumentException naming op, shapes and the failing dimension.
    /// Unknown (-1) dims are assumed compatible.</summary>
    public static Shape Shape(string op, Shape a, Shape b)
    {
        // Fast paths without allocation: the common same-shape and tensor-with-scalar cases.
        if (b.Rank == 0) return a;
        if (a.Rank == 0) return b;
        if (a.Rank == b.Rank && a.Span.SequenceEqual(b.Span)) return a;
        int r = Math.Max(a.Rank, b.Rank);
        var dims = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Rank ? 1 : a[i - (r - a.Rank)];
            int db = i < r - b.Rank ? 1 : b[i - (r - b.Rank)];
            if (da == db) dims[i] = da;
            else if (da == 1) dims[i] = db;
            else if (db == 1) dims[i] = da;
            else if (da == -1) dims[i] = db;
            else if (db == -1) dims[i] = da;
            else throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast: dimension {i} is {da} vs {db} (they must be equal or one of them 1).");
        }
        return Eager.Shape.Wrap(dims);
    }

    /// <summary>Strides of <paramref name="t"/> viewed at the broadcast <paramref name="outShape"/> (0 where broadcast).</summary>
    public static int[] StridesFor(Tensor t, Shape outShape)
    {
        var s = new int[outShape.Rank];
        StridesFor(t, outShape, s);
        return s;
    }

    /// <summary>Writes the broadcast strides of <paramref name="t"/> into <paramref name="s"/> (length outShape.Rank).</summary>
    public static void StridesFor(Tensor t, Shape outShape, Span<int> s)
    {
        int r = outShape.Rank, off = r - t.Rank;
        var ts = t.Strides;
        s[..off].Clear();
        for (int i = 0; i < t.Rank; i++) s[i + off] = t.Shape[i] == 1 && outShape[i + off] != 1 ? 0 : ts[i];
    }

    /// <summary>Same dtype or an error naming both.</summary>
    public static void SameDType(string op, Tensor a, Tensor b)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: dtypes differ: {a.DType.Name()}{a.Shape} and {b.DType.Name()}{b.Shape}. Eager never mixes dtypes silently; use Ops.Cast.");
    }

    /// <summary>Runs a binary kernel over broadcast inputs of the same dtype into a new contiguous tensor.</summary>
    public static Tensor Run<TF, TD, TI, TL>(Tensor a, Tensor b, Shape outShape)
        where TF : IBinaryOp<float> where TD : IBinaryOp<double> where TI : IBinaryOp<int> where TL : IBinaryOp<long>
    {
        var result = Tensor.Empty(outShape, a.DType);
        Span<int> sa = stackalloc int[outShape.Rank], sb = stackalloc int[outShape.Rank];
        StridesFor(a, outShape, sa);
        StridesFor(b, outShape, sb);
        switch (a.DType)
        {
            case DType.Float32: Binary.Apply<float, TF>(Arr<float>(a), a.Offset, sa, Arr<float>(b), b.Offset, sb, outShape.Span, result.Span<float>()); break;
            case DType.Float64: Binary.Apply<double, TD>(Arr<double>(a), a.Offset, sa, Arr<double>(b), b.Offset, sb, outShape.Span, result.Span<double>()); break;
            case DType.Int32: Binary.Apply<int, TI>(Arr<int>(a), a.Offset, sa, Arr<int>(b), b.Offset, sb, outShape.Span, result.Span<int>()); break;
            case DType.Int64: Binary.Apply<long, TL>(Arr<long>(a), a.Offset, sa, Arr<long>(b), b.Offset, sb, outShape.Span, result.Span<long>()); break;
            default: throw new ArgumentException($"Binary op on {a.DType.Name()} tensors is not supported.");
        }
        a.KeepAlive(); b.KeepAlive();
        return result;
    }

    /// <summary>The whole backing array of a tensor (index with Offset and Strides).</summary>
    public static T[] Arr<T>(Tensor t) where T : unmanaged => ((Storage<T>)t.RequireStorage("kernel")).Array;

    /// <summary>Sums <paramref name="grad"/> over the axes along which <paramref name="input"/> was broadcast,
    /// giving a tensor of the input's shape. Written with public ops so it is differentiable and traceable.</summary>
    public static Tensor UnBroadcast(Tensor grad, Tensor input)
    {
        if (grad.Shape == input.Shape && input.Shape.IsFullyDefined) return grad;
        if (grad.Shape.IsUnknownRank || input.Shape.IsUnknownRank) return ReductionOps.SumToLike(grad, input);
        int r = grad.Rank, off = r - input.Rank;
        var axes = new List<int>();
        for (int i = 0; i < r; i++)
        {
            if (i < off) { axes.Add(i); continue; }
            int di = input.Shape[i - off], dg = grad.Shape[i];
            if (di == 1 && dg != 1) axes.Add(i);
        }
        var summed = axes.Count == 0 ? grad : Ops.ReduceSum(grad, [.. axes], keepDims: true);
        return summed.Shape == input.Shape ? summed : Ops.ReshapeLike(summed, input);
    }
}

/// <summary>Operator used for dtypes an op rejects in inference; never reached.</summary>
internal readonly struct Unsupported<T> : IBinaryOp<T> where T : unmanaged
{
    public static T Apply(T a, T b) => throw new NotSupportedException();
    public static Vector<T> Apply(Vector<T> a, Vector<T> b) => throw new NotSupportedException();
    public static bool Vectorizable => false;
}
