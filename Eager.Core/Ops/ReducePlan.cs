using Eager.Kernels.Reduce;

namespace Eager;

/// <summary>
/// Chooses how to run a reduction without copying when it can. The input's axes are ordered by stride; if that
/// order is a dense row-major layout (a contiguous tensor or a transposed view of one), the kept axes stay in
/// output order and the reduced axes form one run, the data is read in place as [outer, reduce, inner]:
/// inner == 1 reduces rows, otherwise whole inner rows are accumulated (column sums of a matrix). Anything else
/// (broadcast views, interleaved reduced axes) is first copied with the reduced axes innermost.
/// </summary>
internal static class ReducePlan
{
    /// <summary>A contiguous 1-D tensor over the data and the [outer, reduce, inner] reading of it.</summary>
    public static (Tensor Data, int Outer, int Reduce, int Inner) Of(Tensor x, int[] axes)
    {
        if (TryInPlace(x, axes, out var plan)) return plan;
        var (data, rows, len) = ReductionOps.ReduceLayout(x, axes);
        return (data, rows, len, 1);
    }

    private static bool TryInPlace(Tensor x, int[] axes, out (Tensor, int, int, int) plan)
    {
        plan = default;
        // Non-trivial axes, ordered by decreasing stride (stable, so a contiguous tensor keeps its order).
        var order = Enumerable.Range(0, x.Rank).Where(i => x.Shape[i] != 1).OrderByDescending(i => x.Strides[i]).ToArray();
        int expect = 1;
        for (int k = order.Length - 1; k >= 0; k--)
        {
            if (x.Strides[order[k]] != expect) return false;
            expect *= x.Shape[order[k]];
        }
        int outer = 1, reduce = 1, inner = 1, phase = 0, lastKept = -1;
        foreach (var ax in order)
        {
            bool reduced = Array.IndexOf(axes, ax) >= 0;
            if (!reduced)
            {
                if (ax < lastKept) return false; // kept axes would come out transposed
                lastKept = ax;
            }
            // phase 0: kept axes before the reduced run; 1: inside it; 2: kept axes after it.
            if (reduced)
            {
                if (phase == 2) return false;
                phase = 1;
                reduce *= x.Shape[ax];
            }
            else if (phase == 0) outer *= x.Shape[ax];
            else { phase = 2; inner *= x.Shape[ax]; }
        }
        int size = x.Shape.Size;
        plan = (x.View(new Shape(size), [1], x.Offset), outer, reduce, inner);
        return true;
    }

    /// <summary>Runs the operator over a planned block.</summary>
    public static void Run<T, TOp>(ReadOnlySpan<T> src, int outer, int reduce, int inner, Span<T> dst)
        where T : unmanaged where TOp : IReduceOp<T>
    {
        if (reduce == 1) src.Slice(0, outer * inner).CopyTo(dst);
        else if (inner == 1) Reduction.Rows<T, TOp>(src, outer, reduce, dst);
        else Reduction.Columns<T, TOp>(src, outer, reduce, inner, dst);
    }
}
