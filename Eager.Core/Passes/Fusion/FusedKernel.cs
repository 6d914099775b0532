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

    public static Tensor[] Run(Tensor[] inputs, Attrs attrs)
    {
        var program = FusedProgram.Parse(attrs.String("program"));
        var outputs = attrs.Ints("outputs");
        var dtype = attrs.Get<DType>("dtype");
        var shapes = program.Shapes(inputs);
        var loop = Shape.Scalar;
        foreach (var s in shapes) loop = Broadcasting.Shape("FusedElementwise", loop, s);
        foreach (var o in outputs)
            if (shapes[o] != loop) return program.Interpret(inputs, outputs, dtype);
        return dtype switch
        {
            DType.Float32 => Run<float>(program, outputs, inputs, loop),
            DType.Float64 => Run<double>(program, outputs, inputs, loop),
            _ => program.Interpret(inputs, outputs, dtype),
        };
    }

    private static Tensor[] Run<T>(FusedProgram program, int[] outputs, Tensor[] inputs, Shape loop) where T : unmanaged
    {
        var results = new Tensor[outputs.Length];
        for (int j = 0; j < results.Length; j++) results[j] = Tensor.Empty(loop, DTypes.Of<T>());
        if (loop.Size == 0) return results;

        var views = (Tensor[])inputs.Clone();
        var layout = Layout.Of(views, loop);
        if (layout is null)
        {
            // Some input's rows are strided (a transposed view): copy those inputs, after which rows are contiguous.
            for (int k = 0; k < views.Length; k++) views[k] = views[k].Contiguous();
            layout = Layout.Of(views, loop) ?? throw new InvalidOperationException("FusedElementwise: contiguous inputs did not give contiguous rows.");
        }
        var kernel = FusedCompiler.Get<T>(program, outputs, layout.Broadcast);
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
