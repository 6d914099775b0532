namespace Eager;

/// <summary>The loop's dimensions after merging (sizes of 1 dropped), each input's strides over them, and which inputs are
/// broadcast along the innermost (row) dimension.</summary>
internal sealed class FusedLayout
{
    private int[] dims = [];
    private int[][] strides = [];

    public int Inner { get; private set; }

    public bool[] Broadcast { get; private set; } = [];

    /// <summary>The layout, or null when some input is strided along the row (neither 0 nor 1).</summary>
    public static FusedLayout? Of(Tensor[] inputs, Shape loop)
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
        return new FusedLayout { dims = [.. dims], strides = [.. st.Select(s => s.ToArray())], Inner = dims[^1], Broadcast = broadcast };
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

    /// <summary>Whether input k is laid out densely over the loop (row r starts at its offset plus r times the row length).</summary>
    public bool IsDense(int k)
    {
        long expect = 1;
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            if (dims[d] != 1 && strides[k][d] != expect) return false;
            expect *= dims[d];
        }
        return true;
    }

    /// <summary>Whether input k reads the same elements in every row (it is broadcast along every outer dimension).</summary>
    public bool IsRowInvariant(int k)
    {
        for (int d = 0; d < dims.Length - 1; d++) if (strides[k][d] != 0) return false;
        return true;
    }
}
