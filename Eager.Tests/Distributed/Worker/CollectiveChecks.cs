using Eager;
using Eager.Distributed;
using Eager.NN;

/// <summary>Every collective on every numeric dtype and odd sizes, against the same reduction done serially over the
/// data every rank knows it would have generated.</summary>
internal static class CollectiveChecks
{
    private static readonly DType[] Numeric = [DType.Float32, DType.Float64, DType.Int32, DType.Int64];
    private static readonly int[] Sizes = [0, 1, 7, 33, 1003];

    public static void Run(Communicator world)
    {
        int size = world.Size, rank = world.Rank;
        foreach (var dt in Numeric)
            foreach (int n in Sizes)
            {
                string at = $"{dt.Name()} n={n}";
                var shape = new Shape(3, n);
                foreach (var op in new[] { ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max })
                    Same(world.AllReduce(Make(dt, shape, rank, 1), op), Reduce(op, size, r => Values(shape.Size, r, 1), dt), $"AllReduce {op} {at}");
                var inPlace = Make(dt, shape, rank, 1).Contiguous();
                world.AllReduceInPlace(inPlace, ReduceOp.Mean);
                Same(inPlace, Reduce(ReduceOp.Mean, size, r => Values(shape.Size, r, 1), dt), $"AllReduceInPlace Mean {at}");
                for (int root = 0; root < size; root += Math.Max(1, size - 1))
                    Same(world.Broadcast(Make(dt, shape, rank, 2), root), Values(shape.Size, root, 2), $"Broadcast root {root} {at}");
                // Ranks give different row counts to the gather.
                var gathered = world.AllGather(Make(dt, new Shape(n + rank, 3), rank, 3));
                var gatherExpect = Enumerable.Range(0, size).SelectMany(r => Values((n + r) * 3, r, 3)).ToArray();
                Check(gathered.Shape == new Shape(gatherExpect.Length / 3, 3), $"AllGather shape {gathered.Shape} {at}");
                Same(gathered, gatherExpect, $"AllGather {at}");
                if (n > 0)
                    foreach (var op in new[] { ReduceOp.Sum, ReduceOp.Mean })
                    {
                        var rs = world.ReduceScatter(Make(dt, new Shape(n, 2), rank, 4), op);
                        var full = Reduce(op, size, r => Values(n * 2, r, 4), dt);
                        int rows = n / size + (rank < n % size ? 1 : 0), start = rank * (n / size) + Math.Min(rank, n % size);
                        Check(rs.Shape == new Shape(rows, 2), $"ReduceScatter shape {rs.Shape} {at}");
                        Same(rs, full[(start * 2)..((start + rows) * 2)], $"ReduceScatter {op} {at}");
                    }
            }
        var flags = Tensor.From(Enumerable.Range(0, 5).Select(i => (i + rank) % 2 == 0).ToArray());
        Same(world.Broadcast(flags, 0), Enumerable.Range(0, 5).Select(i => i % 2 == 0 ? 1.0 : 0.0).ToArray(), "Broadcast bool");
        var scalarGather = world.AllGather(Tensor.Scalar((long)rank * 10));
        Same(scalarGather, Enumerable.Range(0, size).Select(r => r * 10.0).ToArray(), "AllGather scalars");
        world.Barrier();

        // The collectives as graph nodes: a traced function and its gradient.
        var f = Function.Create((Tensor x) => world.AllReduce(x * 2f, ReduceOp.Mean));
        var input = Make(DType.Float32, new Shape(5), rank, 5);
        Same(f.Invoke(input), Reduce(ReduceOp.Mean, size, r => Values(5, r, 5).Select(v => v * 2).ToArray(), DType.Float32), "traced AllReduce");
        using (var tape = new GradientTape())
        {
            tape.Watch(input);
            var y = Ops.ReduceSum(world.AllReduce(input * input));
            // d/dx_rank of sum over ranks of the all-reduced sum: every rank's loss sees x, so 2x times the ranks.
            Same(tape.Gradient(y, input)!, Values(5, rank, 5).Select(v => 2 * v * size).ToArray(), "AllReduce gradient");
        }

        // Bucketed averaging with a tiny bucket size (several buckets), a null gradient, and mixed dtypes.
        var vars = Enumerable.Range(0, 6).Select(i => new Variable(Tensor.Zeros(new Shape(i + 2), i == 3 ? DType.Float64 : DType.Float32), name: $"v{i}")).ToArray();
        var grads = vars.Select((v, i) => i == 4 ? null : Make(v.DType, v.Shape, rank, 10 + i)).ToArray();
        var averaged = new DistributedOptimizer(new SGD(), bucketBytes: 16).Average(grads, vars);
        for (int i = 0; i < vars.Length; i++)
        {
            if (i == 4) { Check(averaged[i] is null, "a null gradient stays null"); continue; }
            int k = i;
            Same(averaged[k]!, Reduce(ReduceOp.Mean, size, r => Values(vars[k].Shape.Size, r, 10 + k), vars[k].DType), $"bucketed average of v{i}");
        }
    }

    /// <summary>Rank <paramref name="rank"/>'s data: multiples of 1/4 (sums and halves are exact in every float dtype; the
    /// integer dtypes drop the fraction), different on every rank.</summary>
    public static double[] Values(int count, int rank, int tag) =>
        [.. Enumerable.Range(0, count).Select(i => ((i * 7 + rank * 13 + tag * 5) % 19 - 9) * 0.25 * (1 + rank))];

    private static Tensor Make(DType dt, Shape shape, int rank, int tag)
    {
        var v = Values(shape.Size, rank, tag);
        return dt switch
        {
            DType.Float32 => Tensor.From(v.Select(x => (float)x).ToArray(), shape),
            DType.Float64 => Tensor.From(v, shape),
            DType.Int32 => Tensor.From(v.Select(x => (int)Math.Truncate(x)).ToArray(), shape),
            _ => Tensor.From(v.Select(x => (long)Math.Truncate(x)).ToArray(), shape),
        };
    }

    private static double[] Reduce(ReduceOp op, int size, Func<int, double[]> data, DType dt)
    {
        var all = Enumerable.Range(0, size).Select(r => data(r).Select(x => dt.IsFloating ? x : Math.Truncate(x)).ToArray()).ToArray();
        return [.. Enumerable.Range(0, all[0].Length).Select(i =>
        {
            var column = all.Select(a => a[i]);
            return op switch
            {
                ReduceOp.Sum => column.Sum(),
                ReduceOp.Max => column.Max(),
                _ => dt.IsFloating ? column.Sum() / size : Math.Truncate(column.Sum() / size),
            };
        })];
    }

    private static void Same(Tensor actual, double[] expected, string what)
    {
        var a = actual.ToDoubleArray();
        Check(a.Length == expected.Length, $"{what}: {a.Length} elements, expected {expected.Length}");
        for (int i = 0; i < a.Length; i++)
        {
            double e = actual.DType.IsFloating ? expected[i] : Math.Truncate(expected[i]);
            Check(Math.Abs(a[i] - e) <= 1e-6 * Math.Max(1, Math.Abs(e)), $"{what}: element {i} is {a[i]}, expected {e}");
        }
    }

    private static void Check(bool ok, string what)
    {
        if (!ok) throw new InvalidOperationException($"rank {Communicator.World.Rank}: {what}");
    }
}
