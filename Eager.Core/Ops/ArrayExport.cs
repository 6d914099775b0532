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
        int depth = a.Int("depth");
        var dtype = a.Get<DType>("dtype");
        // TensorFlow leaves a negative index all off; ONNX counts it from the end. Out-of-range indices are all off in both.
        var idx = e.Temp("indices");
        var negative = e.Temp("negative");
        e.Add("Less", [e.Input(0), OnnxMap.Scalar(e, "zero", 0, ind.DType)], [negative]);
        e.Add("Where", [negative, OnnxMap.Scalar(e, "depth_as_index", depth, ind.DType), e.Input(0)], [idx]);
        double off = a.Double("offValue"), on = a.Double("onValue");
        var values = e.Constant(dtype switch
        {
            DType.Float32 => Tensor.From(new[] { (float)off, (float)on }),
            DType.Int32 => Tensor.From(new[] { (int)off, (int)on }),
            DType.Int64 => Tensor.From(new[] { (long)off, (long)on }),
            DType.Bool => Tensor.From(new[] { off != 0, on != 0 }),
            _ => Tensor.From(new[] { off, on }),
        }, "values");
        e.Add("OneHot", [idx, OnnxMap.Ints(e, "depth", depth), values], [e.Output(0)], ("axis", (long)a.Int("axis")));
    }
}
