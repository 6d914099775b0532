namespace Eager.Tests.Core;

public class ArrayPadTests
{
    /// <summary>NumPy's np.pad index rules, written independently of the op.</summary>
    private static int Source(int o, int before, int d, string mode)
    {
        int i = o - before;
        while (i < 0 || i >= d)
        {
            if (mode == "REFLECT") i = i < 0 ? -i : 2 * (d - 1) - i;
            else i = i < 0 ? -i - 1 : 2 * d - 1 - i;
        }
        return i;
    }

    private static double[] PadRef(Tensor x, int[,] pads, string mode, double value, out int[] outShape)
    {
        var s = x.Shape.ToArray();
        var xs = x.ToDoubleArray();
        outShape = s.Select((d, i) => d + pads[i, 0] + pads[i, 1]).ToArray();
        return ArrayRef.Indices(outShape).Select(o =>
        {
            var i = o.Select((v, k) => v - pads[k, 0]).ToArray();
            if (mode == "CONSTANT") return i.Where((v, k) => v < 0 || v >= s[k]).Any() ? value : xs[ArrayRef.Flat(i, s)];
            return xs[ArrayRef.Flat(o.Select((v, k) => Source(v, pads[k, 0], s[k], mode)).ToArray(), s)];
        }).ToArray();
    }

    [TestCase("CONSTANT")]
    [TestCase("REFLECT")]
    [TestCase("SYMMETRIC")]
    public void PadMatchesReference(string mode)
    {
        var x = ArrayRef.RandF(1, 3, 4, 2);
        int[,] pads = { { 2, 1 }, { 0, 3 }, { 1, 1 } };
        var want = PadRef(x, pads, mode, 1.5, out var shape);
        ArrayRef.AssertClose(Ops.Pad(x, pads, mode, 1.5), want, shape);
        ArrayRef.AssertClose(Ops.Pad(Ops.Transpose(Ops.Transpose(x, [2, 0, 1]), [1, 2, 0]), pads, mode.ToLowerInvariant(), 1.5), want, shape);
    }

    [Test]
    public void PadOtherForms()
    {
        var x = Tensor.From(new[] { 1, 2, 3 });
        Assert.That(Ops.Pad(x, [[1, 2]], constantValue: 9).ToArray<int>(), Is.EqualTo(new[] { 9, 1, 2, 3, 9, 9 }));
        Assert.That(Ops.Pad(x, [[2, 2]], "REFLECT").ToArray<int>(), Is.EqualTo(new[] { 3, 2, 1, 2, 3, 2, 1 }));
        Assert.That(Ops.Pad(x, [[3, 1]], "SYMMETRIC").ToArray<int>(), Is.EqualTo(new[] { 3, 2, 1, 1, 2, 3, 3 }));
        Assert.That(Ops.Pad(Tensor.Zeros(new Shape(0, 2)), new[,] { { 1, 0 }, { 0, 0 } }, constantValue: 4).ToArray<float>(), Is.EqualTo(new[] { 4f, 4f }));
    }

    [Test]
    public void PadErrors()
    {
        var x = Tensor.Zeros(new Shape(2, 3));
        ArrayRef.Throws(() => Ops.Pad(x, new[,] { { 1, 1 } }), "Pad", "pairs", "(2, 3)");
        ArrayRef.Throws(() => Ops.Pad(x, new[,] { { 1, -1 }, { 0, 0 } }), "Pad", "negative");
        ArrayRef.Throws(() => Ops.Pad(x, new[,] { { 2, 0 }, { 0, 0 } }, "REFLECT"), "Pad", "REFLECT", "at most 1");
        ArrayRef.Throws(() => Ops.Pad(x, new[,] { { 0, 0 }, { 4, 0 } }, "SYMMETRIC"), "Pad", "at most 3");
        ArrayRef.Throws(() => Ops.Pad(x, new[,] { { 0, 0 }, { 0, 0 } }, "WRAP"), "Pad", "WRAP");
        ArrayRef.Throws(() => Ops.Pad(x, new[] { new[] { 1 }, new[] { 0, 0 } }), "Pad", "pair");
    }

    [TestCase("CONSTANT")]
    [TestCase("REFLECT")]
    [TestCase("SYMMETRIC")]
    public void PadGradients(string mode)
    {
        int[,] pads = { { 2, 1 }, { 0, 2 } };
        GradCheck.Check(x => Ops.Pad(x[0], pads, mode), TestTensors.Randn(2, 3, 4));
        // Second order: the gradient rule of the pad gradient.
        GradCheck.Check(x =>
        {
            using var inner = new GradientTape();
            inner.Watch(x[0]);
            var y = Ops.Pad(x[0], pads, mode);
            return inner.Gradient(Ops.ReduceSum(y * y * y), x[0])!;
        }, TestTensors.Randn(3, 3, 4));
    }

    [Test]
    public void PadInfersUnknownDims()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = ArrayRef.Symbolic(g, new Shape(-1, 3));
            Assert.That(Ops.Pad(x, new[,] { { 1, 1 }, { 2, 0 } }).Shape, Is.EqualTo(new Shape(-1, 5)));
        }
    }

    [Test]
    public void FillMakesAConstantTensorWithAGradient()
    {
        Assert.That(Ops.Fill(new Shape(2, 3), 1.5).ToArray<float>(), Is.All.EqualTo(1.5f));
        Assert.That(Ops.Fill(new Shape(2), 7, DType.Int64).ToArray<long>(), Is.EqualTo(new long[] { 7, 7 }));
        Assert.That(Ops.Fill(new Shape(0, 2), 1.0).Shape, Is.EqualTo(new Shape(0, 2)));
        GradCheck.Check(x => Ops.Fill(new Shape(2, 3), x[0]), TestTensors.Randn(1));
        ArrayRef.Throws(() => Ops.Fill(new Shape(2), Tensor.From(new[] { 1f, 2f })), "Fill", "scalar", "(2,)");
        ArrayRef.Throws(() => Ops.Fill(new Shape(-1, 2), 1.0), "Fill", "BroadcastLike");
    }
}
