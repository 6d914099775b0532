using System.Numerics;
using System.Runtime.CompilerServices;
using Eager.Kernels;

namespace Eager;

/// <summary>
/// Runs a fused element-wise node: works out the loop shape from the inputs' run-time shapes (NumPy broadcasting),
/// merges dimensions so rows are as long as possible, and runs the program's block plan (<see cref="FusedBlocks{T}"/>)
/// over blocks of lanes, across cores when the work is large. A block is a piece of one long row or several short
/// rows: inputs dense over the loop are read in place, an input that repeats every row is laid out once per call,
/// others are gathered row by row into scratch. An input whose rows are not contiguous is copied first. Shapes the
/// loop does not cover (an output smaller than the loop, which only unknown dimensions allow) run op by op instead.
/// </summary>
internal static class FusedKernel
{
    // What a node's last call worked out from its inputs' shapes and strides (the loop, the merged layout, the block
    // plan), kept per node (its Attrs) so a steady Session run neither re-derives nor re-allocates any of it.
    private sealed class Prepared
    {
        public required Shape[] InputShapes { get; init; }
        public required int[][] InputStrides { get; init; }
        public required Shape Loop { get; init; }
        public FusedLayout? Layout { get; init; }
        public bool CopyInputs { get; init; }
        public bool Interpret { get; init; }
        public object? Plan { get; init; }

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
        if (prepared.Interpret) return program.Interpret(inputs, outputs, dtype);
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
        foreach (var s in shapes) loop = Broadcasting.Shape(FusedKernelOps.FusedElementwiseName, loop, s);
        bool interpret = dtype is not (DType.Float32 or DType.Float64);
        foreach (var o in outputs) interpret |= shapes[o] != loop;
        var inputShapes = inputs.Select(t => t.Shape).ToArray();
        var inputStrides = inputs.Select(t => t.Strides.ToArray()).ToArray();
        if (interpret || loop.Size == 0)
            return new Prepared { InputShapes = inputShapes, InputStrides = inputStrides, Loop = loop, Interpret = interpret };
        var layout = FusedLayout.Of(inputs, loop);
        bool copy = layout is null;
        if (copy)
        {
            // Some input's rows are strided (a transposed view): copies of the inputs have contiguous rows.
            layout = FusedLayout.Of([.. inputs.Select(t => t.Contiguous())], loop) ?? throw new InvalidOperationException("FusedElementwise: contiguous inputs did not give contiguous rows.");
        }
        object plan = dtype == DType.Float32 ? FusedBlocks<float>.Get(program, outputs) : FusedBlocks<double>.Get(program, outputs);
        return new Prepared { InputShapes = inputShapes, InputStrides = inputStrides, Loop = loop, Layout = layout, CopyInputs = copy, Plan = plan };
    }

    private static Tensor[] Run<T>(Prepared prepared, Tensor[] inputs, int outputCount) where T : unmanaged, INumberBase<T>
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
        var plan = (FusedBlocks<T>)prepared.Plan!;
        var ins = new T[views.Length][];
        for (int k = 0; k < ins.Length; k++) ins[k] = Broadcasting.Arr<T>(views[k]);
        var outs = new T[results.Length][];
        for (int j = 0; j < outs.Length; j++) outs[j] = Broadcasting.Arr<T>(results[j]);

        int blockSize = FusedBlocks<T>.BlockSize;
        int inner = layout.Inner;
        long rows = loop.Size / inner;
        // A block is a piece of one row when rows are long, else as many whole rows as fit.
        int rowsPerBlock = inner >= blockSize ? 1 : blockSize / inner;
        int piece = Math.Min(inner, blockSize);
        int piecesPerRow = (inner + piece - 1) / piece;
        int items = checked((int)(rowsPerBlock == 1 ? rows * piecesPerRow : (rows + rowsPerBlock - 1) / rowsPerBlock));
        int span = rowsPerBlock == 1 ? piece : rowsPerBlock * inner;

        void Range(int start, int end)
        {
            var block = new BlockRunner<T>(plan, layout, views, ins, outs, span, rowsPerBlock);
            try
            {
                for (int item = start; item < end; item++)
                {
                    if (rowsPerBlock == 1)
                    {
                        long r = item / piecesPerRow;
                        int first = item % piecesPerRow * piece;
                        block.RunPiece(r, first, Math.Min(piece, inner - first));
                    }
                    else
                    {
                        long r0 = (long)item * rowsPerBlock;
                        block.RunRows(r0, (int)Math.Min(rowsPerBlock, rows - r0));
                    }
                }
            }
            finally
            {
                block.Return();
            }
        }
        if (items == 1 || Workers.Chunks(loop.Size, Workers.ElementWork) <= 1) Range(0, items);
        else Workers.For(items, (long)span * Workers.ElementWork, Range);
        foreach (var v in views) v.KeepAlive();
        return results;
    }
}
