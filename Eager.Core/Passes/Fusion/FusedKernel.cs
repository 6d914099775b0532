using System.Runtime.CompilerServices;
using Eager.Kernels;

namespace Eager;

/// <summary>
/// Runs a fused element-wise node: works out the loop shape from the inputs' run-time shapes (NumPy broadcasting),
/// merges dimensions so rows are as long as possible, and calls the compiled row kernel over every row, across
/// cores when the work is large. Inputs broadcast along a row are read once per row; an input whose rows are not
/// contiguous is copied first. Shapes the loop does not cover (an output smaller than the loop, which only
/// unknown dimensions allow) run op by op with each op's own kernel instead.
/// </summary>
internal static class FusedKernel
{
    /// <summary>Row blocks of at least this many elements when one row is cut between cores.</summary>
    private const int MinBlock = 4096;

    // What a node's last call worked out from its inputs' shapes and strides (the loop, the merged layout, the compiled
    // kernel), kept per node (its Attrs) so a steady Session run neither re-derives nor re-allocates any of it.
    private sealed class Prepared
    {
        public required Shape[] InputShapes { get; init; }
        public required int[][] InputStrides { get; init; }
        public required Shape Loop { get; init; }
        public Layout? Layout { get; init; }
        public bool CopyInputs { get; init; }
        public Delegate? Kernel { get; init; }

        public bool Fits(Tensor[] inputs)
        {
            if (inputs.Length != InputShapes.Length) return false;
            for (int k = 0; k < inputs.Length; k++)
                if (inputs[k].Shape != InputShapes[k] || !inputs[k].Strides.SequenceEqual(InputStrides[k])) return false;
            return true;
        }
    }

    private static readonly ConditionalWeakTable<Attrs, Prepared> PreparedByNode = new();

    public static Tensor[] Run(Tensor[] inputs, Attrs attrs)
    {
        var program = FusedProgram.Parse(attrs.String("program"));
        var outputs = attrs.Ints("outputs");
        var dtype = attrs.Get<DType>("dtype");
        if (!PreparedByNode.TryGetValue(attrs, out var prepared) || !prepared.Fits(inputs))
        {
            prepared = Prepare(program, outputs, dtype, inputs);
            PreparedByNode.AddOrUpdate(attrs, prepared);
        }
        if (prepared.Kernel is null) return program.Interpret(inputs, outputs, dtype);
        return dtype switch
        {
            DType.Float32 => Run<float>(prepared, inputs, outputs.Length),
            _ => Run<double>(prepared, inputs, outputs.Length),
        };
    }

    private static Prepared Prepare(FusedProgram program, int[] outputs, DType dtype, Tensor[] inputs)
    {
        var shapes = program.Shapes(inputs);
        var loop = Shape.Scalar;
        foreach (var s in shapes) loop = Broadcasting.Shape("FusedElementwise", loop, s);
        bool interpret = dtype is not (DType.Float32 or DType.Float64);
        foreach (var o in outputs) interpret |= shapes[o] != loop;
        var inputShapes = inputs.Select(t => t.Shape).ToArray();
        var inputStrides = inputs.Select(t => t.Strides.ToArray()).ToArray();
        if (interpret || loop.Size == 0)
            return new Prepared { InputShapes = inputShapes, InputStrides = inputStrides, Loop = loop, Kernel = interpret ? null : Empty };
        var layout = Layout.Of(inputs, loop);
        bool copy = layout is null;
        if (copy)
        {
            // Some input's rows are strided (a transposed view): copies of the inputs have contiguous rows.
            layout = Layout.Of([.. inputs.Select(t => t.Contiguous())], loop) ?? throw new InvalidOperationException("FusedElementwise: contiguous inputs did not give contiguous rows.");
        }
        Delegate kernel = dtype == DType.Float32 ? FusedCompiler.Get<float>(program, outputs, layout!.Broadcast) : FusedCompiler.Get<double>(program, outputs, layout!.Broadcast);
        return new Prepared { InputShapes = inputShapes, InputStrides = inputStrides, Loop = loop, Layout = layout, CopyInputs = copy, Kernel = kernel };
    }

    /// <summary>Stands for "no work" when the loop is empty.</summary>
    private static readonly Action Empty = () => { };

    private static Tensor[] Run<T>(Prepared prepared, Tensor[] inputs, int outputCount) where T : unmanaged
    {
        var loop = prepared.Loop;
        var results = new Tensor[outputCount];
        for (int j = 0; j < results.Length; j++) results[j] = BufferDonation.Take(loop, DTypes.Of<T>()) ?? Tensor.Empty(loop, DTypes.Of<T>());
        if (loop.Size == 0) return results;

        var views = inputs;
        if (prepared.CopyInputs)
        {
            views = new Tensor[inputs.Length];
            for (int k = 0; k < views.Length; k++) views[k] = inputs[k].Contiguous();
        }
        var layout = prepared.Layout!;
        var kernel = (FusedRow<T>)prepared.Kernel!;
        var ins = new T[views.Length][];
        for (int k = 0; k < ins.Length; k++) ins[k] = Broadcasting.Arr<T>(views[k]);
        var outs = new T[results.Length][];
        for (int j = 0; j < outs.Length; j++) outs[j] = Broadcasting.Arr<T>(results[j]);

        int inner = layout.Inner;
        long rows = loop.Size / inner;
        int chunks = Workers.Chunks(loop.Size, Workers.ElementWork);
        // Few long rows are cut into blocks so every core gets work; many rows are shared out whole.
        int block = inner;
        if (chunks > 1 && rows < 2L * chunks)
        {
            long want = Math.Max(MinBlock, (long)inner * rows / (2L * chunks));
            block = (int)Math.Min(inner, (want + 63) & ~63L);
        }
        int blocksPerRow = (inner + block - 1) / block;
        int items = checked((int)(rows * blocksPerRow));
        void Range(int start, int end)
        {
            var offsets = new int[views.Length];
            for (int item = start; item < end; item++)
            {
                long r = item / blocksPerRow;
                int b = item % blocksPerRow, first = b * block;
                layout.RowOffsets(views, r, offsets);
                for (int k = 0; k < offsets.Length; k++) if (!layout.Broadcast[k]) offsets[k] += first;
                kernel(ins, offsets, outs, (int)(r * inner) + first, Math.Min(block, inner - first));
            }
        }
        if (chunks <= 1 || items == 1) Range(0, items);
        else Workers.For(items, (long)block * Workers.ElementWork, Range);
        foreach (var v in views) v.KeepAlive();
        return results;
    }

    /// <summary>The loop's dimensions after merging (sizes of 1 dropped), each input's strides over them, and which inputs are
    /// broadcast along the innermost (row) dimension.</summary>
    private sealed class Layout
    {
        private int[] dims = [];
        private int[][] strides = [];

        public int Inner { get; private set; }

        public bool[] Broadcast { get; private set; } = [];

        /// <summary>The layout, or null when some input is strided along the row (neither 0 nor 1).</summary>
        public static Layout? Of(Tensor[] inputs, Shape loop)
        {
            var kept = new List<int>();
            for (int d = 0; d < loop.Rank; d++) if (loop[d] != 1) kept.Add(d);
            var full = inputs.Select(t => Broadcasting.StridesFor(t, loop)).ToArray();
            // Merge from the innermost dimension outwards while every input steps evenly across the boundary.
            var dims = new List<int>();
            var st = inputs.Select(_ => new List<int>()).ToArray();
            for (int i = kept.Count - 1; i >= 0; i--)
            {
                int d = kept[i];
                if (dims.Count > 0)
                {
                    bool merge = true;
                    for (int k = 0; k < inputs.Length && merge; k++) merge = full[k][d] == st[k][0] * dims[0];
                    if (merge)
                    {
                        dims[0] *= loop[d];
                        continue;
                    }
                }
                dims.Insert(0, loop[d]);
                for (int k = 0; k < inputs.Length; k++) st[k].Insert(0, full[k][d]);
            }
            if (dims.Count == 0) { dims.Add(1); foreach (var s in st) s.Add(0); }
            var broadcast = new bool[inputs.Length];
            for (int k = 0; k < inputs.Length; k++)
            {
                int s = st[k][^1];
                if (s != 0 && s != 1) return null;
                broadcast[k] = s == 0;
            }
            return new Layout { dims = [.. dims], strides = [.. st.Select(s => s.ToArray())], Inner = dims[^1], Broadcast = broadcast };
        }

        /// <summary>Each input's element offset at the start of row <paramref name="row"/>.</summary>
        public void RowOffsets(Tensor[] inputs, long row, int[] offsets)
        {
            for (int k = 0; k < offsets.Length; k++) offsets[k] = inputs[k].Offset;
            for (int d = dims.Length - 2; d >= 0 && row > 0; d--)
            {
                long i = row % dims[d];
                row /= dims[d];
                for (int k = 0; k < offsets.Length; k++) offsets[k] += (int)(i * strides[k][d]);
            }
        }
    }
}
