using System.Buffers;
using System.Numerics;

namespace Eager;

/// <summary>
/// One worker's state while it runs a <see cref="FusedBlocks{T}"/> plan over its share of blocks: the slot table
/// (array and offset of every operand), and scratch for constants, temporaries and inputs that are not read in place.
/// Constants and inputs that repeat every row are laid out once per worker, not once per block.
/// </summary>
internal sealed class BlockRunner<T> where T : unmanaged, INumberBase<T>
{
    private enum Mode { InPlace, Invariant, Gather }

    private readonly FusedBlocks<T> plan;
    private readonly FusedLayout layout;
    private readonly Tensor[] views;
    private readonly T[][] ins;
    private readonly T[][] outs;
    private readonly int span;
    private readonly T[] scratch;
    private readonly T[][] arrays;
    private readonly int[] offsets;
    private readonly int[] rowOffsets;
    private readonly Mode[] modes;
    private readonly long[] filledRow;
    private readonly bool[] isScalar;
    private readonly T[] scalars;

    public BlockRunner(FusedBlocks<T> plan, FusedLayout layout, Tensor[] views, T[][] ins, T[][] outs, int span, int rowsPerBlock)
    {
        this.plan = plan; this.layout = layout; this.views = views; this.ins = ins; this.outs = outs; this.span = span;
        int n = plan.Inputs;
        int scratchSlots = n + plan.Constants.Length + plan.Temps;
        scratch = ArrayPool<T>.Shared.Rent(scratchSlots * span);
        arrays = new T[plan.Slots][];
        offsets = new int[plan.Slots];
        rowOffsets = new int[n];
        modes = new Mode[n];
        filledRow = new long[n];
        isScalar = new bool[plan.Slots];
        scalars = new T[plan.Slots];
        for (int s = 0; s < scratchSlots; s++) { arrays[s] = scratch; offsets[s] = s * span; }
        for (int j = 0; j < plan.Outputs; j++) arrays[plan.OutputSlot(j)] = outs[j];
        for (int c = 0; c < plan.Constants.Length; c++)
        {
            var value = T.CreateTruncating(plan.Constants[c]);
            scratch.AsSpan((n + c) * span, span).Fill(value);
            isScalar[n + c] = true;
            scalars[n + c] = value;
        }
        for (int k = 0; k < n; k++)
        {
            filledRow[k] = -1;
            if (rowsPerBlock == 1)
            {
                modes[k] = layout.Broadcast[k] ? Mode.Gather : Mode.InPlace;
                isScalar[k] = layout.Broadcast[k];
            }
            else if (layout.IsDense(k)) modes[k] = Mode.InPlace;
            else if (layout.IsRowInvariant(k)) modes[k] = Mode.Invariant;
            else modes[k] = Mode.Gather;
        }
        if (rowsPerBlock > 1)
        {
            layout.RowOffsets(views, 0, rowOffsets);
            for (int k = 0; k < n; k++)
                if (modes[k] == Mode.Invariant)
                    for (int r = 0; r < rowsPerBlock; r++) CopyRow(k, rowOffsets[k], r * layout.Inner, layout.Inner);
        }
    }

    /// <summary>Lanes [first, first + count) of row <paramref name="row"/>.</summary>
    public void RunPiece(long row, int first, int count)
    {
        layout.RowOffsets(views, row, rowOffsets);
        for (int k = 0; k < modes.Length; k++)
        {
            if (modes[k] == Mode.InPlace)
            {
                arrays[k] = ins[k];
                offsets[k] = rowOffsets[k] + first;
            }
            else if (filledRow[k] != row)
            {
                // Broadcast along the row: one value, filled once per row (pieces of a row share it) for ops without a scalar form.
                scalars[k] = ins[k][rowOffsets[k]];
                scratch.AsSpan(k * span, span).Fill(scalars[k]);
                filledRow[k] = row;
            }
        }
        int o = checked((int)(row * layout.Inner)) + first;
        for (int j = 0; j < plan.Outputs; j++) offsets[plan.OutputSlot(j)] = o;
        plan.RunBlock(arrays, offsets, isScalar, scalars, count);
    }

    /// <summary>Whole rows [row0, row0 + rows).</summary>
    public void RunRows(long row0, int rows)
    {
        int inner = layout.Inner;
        int start = checked((int)(row0 * inner));
        bool gather = false;
        for (int k = 0; k < modes.Length; k++)
        {
            if (modes[k] == Mode.InPlace)
            {
                arrays[k] = ins[k];
                offsets[k] = views[k].Offset + start;
            }
            gather |= modes[k] == Mode.Gather;
        }
        for (int r = 0; gather && r < rows; r++)
        {
            layout.RowOffsets(views, row0 + r, rowOffsets);
            for (int k = 0; k < modes.Length; k++)
                if (modes[k] == Mode.Gather) CopyRow(k, rowOffsets[k], r * inner, inner);
        }
        for (int j = 0; j < plan.Outputs; j++) offsets[plan.OutputSlot(j)] = start;
        plan.RunBlock(arrays, offsets, isScalar, scalars, rows * inner);
    }

    /// <summary>Input k's row starting at <paramref name="from"/> into its scratch run at <paramref name="at"/>.</summary>
    private void CopyRow(int k, int from, int at, int inner)
    {
        var dst = scratch.AsSpan(k * span + at, inner);
        if (layout.Broadcast[k]) dst.Fill(ins[k][from]);
        else ins[k].AsSpan(from, inner).CopyTo(dst);
    }

    /// <summary>Gives the scratch back.</summary>
    public void Return() => ArrayPool<T>.Shared.Return(scratch);
}
