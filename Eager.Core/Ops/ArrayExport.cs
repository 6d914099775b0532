using static Eager.Ops;
using static Eager.ArrayOps;

namespace Eager;

/// <summary>ONNX mappings of StridedSlice (Slice, then Squeeze and Unsqueeze for shrunk and new axes) and OneHot.</summary>
internal static partial class ArrayOps
{
    private static void OnnxStridedSlice(IOnnxEmitter e)
    {
        var x = e.Node.Inputs[0];
        var spec = StridedSliceSpec.FromAttrs(StridedSliceName, x.Shape, e.Node.Attrs);
        var starts = new List<int>(); var ends = new List<int>(); var axes = new List<int>(); var steps = new List<int>();
        for (int i = 0; i < x.Rank; i++)
        {
            int dim = x.Shape[i], step = spec.Step[i];
            if (!spec.Shrink[i] && dim < 0)
            {
                // Unknown length: only a whole, forward axis keeps no bounds.
                if (step == 1 && spec.Begin[i] == 0 && spec.Size[i] == -1 && IsWholeAxis(e.Node.Attrs, i)) continue;
                throw new NotSupportedException($"ONNX export: StridedSlice along axis {i} of unknown length (input {x.Shape}) needs a known length.");
            }
            if (!spec.Shrink[i] && step == 1 && spec.Begin[i] == 0 && spec.Size[i] == dim) continue;
            if (spec.Shrink[i] && dim < 0 && !SparseIsDense(e.Node.Attrs))
                throw new NotSupportedException($"ONNX export: StridedSlice indexing axis {i} of unknown length with an ellipsis or new axes (input {x.Shape}).");
            int begin = spec.Shrink[i] && dim < 0 ? e.Node.Attrs.Ints("begin")[i] : spec.Begin[i];
            int size = spec.Size[i];
            long end = (long)begin + (long)size * step;
            // A backward slice through the first element ends before index 0, which ONNX writes as -(dim + 1).
            if (step < 0 && end < 0) end = -(long)dim - 1;
            if (spec.Shrink[i] && begin < 0) end = begin + 1 == 0 ? int.MaxValue : begin + 1;
            starts.Add(begin); ends.Add((int)Math.Clamp(end, int.MinValue, int.MaxValue)); axes.Add(i); steps.Add(step);
        }
        var y = e.Input(0);
        if (axes.Count > 0)
        {
            var t = e.Temp("sliced");
            e.Add("Slice", [y, OnnxMap.Ints(e, "starts", [.. starts]), OnnxMap.Ints(e, "ends", [.. ends]), OnnxMap.Ints(e, "axes", [.. axes]), OnnxMap.Ints(e, "steps", [.. steps])], [t]);
            y = t;
        }
        var shrink = Enumerable.Range(0, x.Rank).Where(i => spec.Shrink[i]).ToArray();
        var newAxes = spec.OutputAxes.Select((a, j) => (a, j)).Where(p => p.a < 0).Select(p => p.j).ToArray();
        if (shrink.Length > 0)
        {
            var t = newAxes.Length == 0 ? e.Output(0) : e.Temp("squeezed");
            e.Add("Squeeze", [y, OnnxMap.Ints(e, "shrink", shrink)], [t]);
            y = t;
        }
        if (newAxes.Length > 0) e.Add("Unsqueeze", [y, OnnxMap.Ints(e, "new_axes", newAxes)], [e.Output(0)]);
        else if (shrink.Length == 0) e.Add("Identity", [y], [e.Output(0)]);
    }

    /// <summary>Without an ellipsis or new axes, sparse slice entry i is input axis i.</summary>
    private static bool SparseIsDense(Attrs a) => a.Int("ellipsisMask") == 0 && a.Int("newAxisMask") == 0;

    /// <summary>Whether axis i is taken whole by the slice's masks (false when that cannot be read off simply).</summary>
    private static bool IsWholeAxis(Attrs a, int i)
    {
        if (!SparseIsDense(a)) return false;
        if (i >= a.Ints("begin").Length) return true;
        return (a.Int("beginMask") & (1 << i)) != 0 && (a.Int("endMask") & (1 << i)) != 0 && a.Ints("strides")[i] == 1;
    }

    private static void OnnxOneHot(IOnnxEmitter e)
    {
        var a = e.Node.Attrs;
        var ind = e.Node.Inputs[0];
        if (ind.Shape.IsUnknownRank) throw new NotSupportedException("ONNX export of OneHot needs the indices' rank.");
        var dtype = a.Get<DType>("dtype");
        OnnxMap.OneHot(e, e.Input(0), ind.DType, ind.Rank, e.Constant(Tensor.Scalar((long)a.Int("depth")), "depth"), a.Int("axis"),
            OnnxMap.Scalar(e, "on", a.Double("onValue"), dtype), OnnxMap.Scalar(e, "off", a.Double("offValue"), dtype), e.Output(0));
    }
}
