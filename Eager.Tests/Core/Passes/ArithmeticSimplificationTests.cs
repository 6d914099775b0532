namespace Eager.Tests.Core.Passes;

public class ArithmeticSimplificationTests
{
    private static readonly Tensor Data = Tensor.From(new double[,] { { 1, -2, 3 }, { 0.5, 4, -6 } });

    [Test]
    public void RemovesMultiplyByOneAddZeroAndDoubleNegation()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(2, 3), "x");
            y = Ops.Exp(-(-(x * 1.0 + 0.0)) - 0.0) / 1.0;
        }
        var result = PassCheck.Optimize(g, [y], new ArithmeticSimplification());
        Assert.That(PassCheck.Lines(result), Is.EqualTo(new[]
        {
            "x = Placeholder(dtype=float64, shape=(2, 3)) -> float64(2, 3)",
            "Exp = Exp(x:0) -> float64(2, 3)",
            "Divide = Identity(Exp:0) -> float64(2, 3)",
        }));
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, Data } });
        PassCheck.AssertClose(got[0], Ops.Exp(Data));
    }

    [Test]
    public void SmallIntegerPowersBecomeMultiplications()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(2, 3), "x");
            y = Ops.Pow(x, 3.0) + Ops.Pow(x, 2.0) + Ops.Pow(x, 1.0) + Ops.Pow(x, 2.5);
        }
        var result = PassCheck.Optimize(g, [y], new ArithmeticSimplification());
        var ops = PassCheck.OpNames(result);
        Assert.That(ops.Count(o => o == "Pow"), Is.EqualTo(1), "only x ^ 2.5 keeps its Pow");
        Assert.That(ops.Count(o => o == "Square"), Is.EqualTo(2));
        var data = Tensor.From(new float[,] { { 1, -2, 3 }, { 0.5f, 4, -6 } });
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, data } });
        var d = data.ToDoubleArray();
        var want = d.Select(v => Math.Pow(v, 3) + v * v + v + Math.Pow(v, 2.5)).ToArray();
        var have = got[0].ToDoubleArray();
        for (int i = 0; i < want.Length; i++)
        {
            if (double.IsNaN(want[i])) Assert.That(have[i], Is.NaN);
            else Assert.That(have[i], Is.EqualTo(want[i]).Within(1e-5 * Math.Abs(want[i])));
        }
    }

    [Test]
    public void AConstantThatBroadcastsXLargerIsKept()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(3), "x");
            y = Ops.Exp(x * Tensor.Ones(new Shape(2, 3), DType.Float64));
        }
        var result = PassCheck.Optimize(g, [y], new ArithmeticSimplification());
        Assert.That(PassCheck.OpNames(result), Does.Contain("Multiply"));
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, Tensor.From(new[] { 1.0, 2.0, 3.0 }) } });
        Assert.That(got[0].Shape, Is.EqualTo(new Shape(2, 3)));
    }

    [Test]
    public void DivisionByAConstantBecomesMultiplicationAndScalarFactorsCombine()
    {
        var g = new Graph();
        Tensor x, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(2, 3), "x");
            y = Ops.Sin(x * 3f * 0.5f) / 4f;
        }
        var result = PassCheck.Optimize(g, [y], new ArithmeticSimplification());
        Assert.That(PassCheck.Lines(result), Is.EqualTo(new[]
        {
            "x = Placeholder(dtype=float32, shape=(2, 3)) -> float32(2, 3)",
            "Const_3 = Const(value=[1.5]) -> float32()",
            "Multiply_1 = Multiply(x:0, Const_3:0) -> float32(2, 3)",
            "Sin = Sin(Multiply_1:0) -> float32(2, 3)",
            "Const_4 = Const(value=[0.25]) -> float32()",
            "Divide = Multiply(Sin:0, Const_4:0) -> float32(2, 3)",
        }));
        var data = Ops.Cast(Data, DType.Float32);
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, data } });
        PassCheck.AssertClose(got[0], Ops.Sin(data * 1.5f) / 4f);
    }

    [Test]
    public void SubtractingANegationAdds()
    {
        var g = new Graph();
        Tensor x, w, y;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(2, 3), "x");
            w = Ops.Placeholder(DType.Float64, new Shape(3), "w");
            y = (x - (-w)) + (-x);
        }
        var result = PassCheck.Optimize(g, [y], new ArithmeticSimplification());
        Assert.That(PassCheck.OpNames(result), Is.EqualTo(new[] { "Placeholder", "Placeholder", "Add", "Subtract" }));
        var wv = Tensor.From(new[] { 1.0, 2.0, 3.0 });
        var got = PassCheck.SameAsPlain(g, [y], new FeedDict { { x, Data }, { w, wv } });
        PassCheck.AssertClose(got[0], Data + wv - Data);
    }

    [Test]
    public void TransposesAndReshapesCollapse()
    {
        var g = new Graph();
        Tensor x, back, rolled, flat;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(2, 3, 4), "x");
            back = Ops.Transpose(Ops.Transpose(x, [2, 0, 1]), [1, 2, 0]);
            rolled = Ops.Transpose(Ops.Transpose(x, [1, 0, 2]), [0, 2, 1]);
            flat = Ops.Reshape(Ops.Reshape(Ops.Reshape(x, 6, 4), 4, 6), -1);
        }
        var result = PassCheck.Optimize(g, [back, rolled, flat], new ArithmeticSimplification());
        Assert.That(PassCheck.Lines(result), Is.EqualTo(new[]
        {
            "x = Placeholder(dtype=float64, shape=(2, 3, 4)) -> float64(2, 3, 4)",
            "Transpose_1 = Identity(x:0) -> float64(2, 3, 4)",
            "Transpose_3 = Transpose(x:0; perm=[1, 2, 0]) -> float64(3, 4, 2)",
            "Reshape_2 = Reshape(x:0; shape=[-1]) -> float64(24,)",
        }));
        var data = Tensor.RandomNormal(new Shape(2, 3, 4), seed: 3, dtype: DType.Float64);
        var got = PassCheck.SameAsPlain(g, [back, rolled, flat], new FeedDict { { x, data } });
        PassCheck.AssertClose(got[1], Ops.Transpose(data, [1, 2, 0]));
    }

    [Test]
    public void KeepsNodesWithControlInputs()
    {
        var g = new Graph();
        var v = new Variable(Tensor.Zeros(new Shape(2), DType.Float64), "v");
        Tensor y;
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float64, new Shape(2), "x");
            var update = Ops.AssignAdd(v, x);
            using (g.ControlDependencies(update)) y = Ops.Identity(x);
        }
        var result = PassCheck.Optimize(g, [y], new ArithmeticSimplification());
        Assert.That(PassCheck.OpNames(result), Is.EqualTo(new[] { "Placeholder", "AssignAdd", "Identity" }));
    }

    [Test]
    public void GradientGraphsStayEqual()
    {
        var g = new Graph();
        Tensor x, dx;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float64, new Shape(2, 3), "x");
            var y = Ops.ReduceSum(Ops.Tanh(Ops.Transpose(Ops.Transpose(x)) / 3.0 * 1.0));
            dx = Ops.Gradients(y, [x])[0]!;
        }
        var got = PassCheck.SameAsPlain(g, [dx], new FeedDict { { x, Data } });
        var t = Ops.Tanh(Data / 3.0);
        PassCheck.AssertClose(got[0], (1.0 - t * t) / 3.0);
    }

    private static Tensor Values(int seed, int rows, int cols) =>
        Ops.Cast(Tensor.RandomUniform(new Shape(rows, cols), -1, 1, seed: seed), DType.Float64);

    [TestCase(false, false)]
    [TestCase(false, true)]
    [TestCase(true, false)]
    [TestCase(true, true)]
    public void ASumOfProductsWithASharedOperandBecomesOneProduct(bool transposeFirst, bool transposeSecond)
    {
        var g = new Graph();
        Tensor a, b, c, bt, left, right;
        using (g.AsDefault())
        {
            a = Ops.Placeholder(DType.Float64, new Shape(5, 3), "a");
            b = Ops.Placeholder(DType.Float64, transposeFirst ? new Shape(4, 3) : new Shape(3, 4), "b");
            c = Ops.Placeholder(DType.Float64, transposeSecond ? new Shape(4, 3) : new Shape(3, 4), "c");
            left = Ops.MatMul(a, b, transposeB: transposeFirst) + Ops.MatMul(a, c, transposeB: transposeSecond);
            // The shared operand on the right: b^T @ a^T-shaped products of the same a.
            bt = Ops.Placeholder(DType.Float64, new Shape(3, 5), "bt");
            right = Ops.MatMul(b, bt, transposeA: !transposeFirst) + Ops.MatMul(c, bt, transposeA: !transposeSecond);
        }
        var result = PassCheck.Optimize(g, [left, right], new ArithmeticSimplification());
        Assert.That(PassCheck.OpNames(result).Count(o => o == "MatMul"), Is.EqualTo(2), string.Join("\n", PassCheck.Lines(result)));
        var (av, bv, cv) = (Values(1, 5, 3), Values(2, b.Shape[0], b.Shape[1]), Values(3, c.Shape[0], c.Shape[1]));
        var btv = Values(4, 3, 5);
        var feeds = new FeedDict { { a, av }, { b, bv }, { c, cv }, { bt, btv } };
        var got = PassCheck.SameAsPlain(g, [left, right], feeds);
        PassCheck.AssertClose(got[0], Ops.MatMul(av, bv, transposeB: transposeFirst) + Ops.MatMul(av, cv, transposeB: transposeSecond));
        PassCheck.AssertClose(got[1], Ops.MatMul(bv, btv, transposeA: !transposeFirst) + Ops.MatMul(cv, btv, transposeA: !transposeSecond));
    }

    [Test]
    public void AProductReadElsewhereIsNotFoldedIntoTheSum()
    {
        var g = new Graph();
        Tensor a, b, c, sum, ab, other;
        using (g.AsDefault())
        {
            a = Ops.Placeholder(DType.Float64, new Shape(5, 3), "a");
            b = Ops.Placeholder(DType.Float64, new Shape(3, 4), "b");
            c = Ops.Placeholder(DType.Float64, new Shape(3, 4), "c");
            ab = Ops.MatMul(a, b);
            sum = ab + Ops.MatMul(a, c);
            other = Ops.Exp(ab);
        }
        var result = PassCheck.Optimize(g, [sum, other], new ArithmeticSimplification());
        Assert.That(PassCheck.OpNames(result).Count(o => o == "MatMul"), Is.EqualTo(2));
        var sumOnly = PassCheck.Optimize(g, [sum, ab], new ArithmeticSimplification());
        Assert.That(PassCheck.OpNames(sumOnly).Count(o => o == "MatMul"), Is.EqualTo(2), "a fetched product stays");
    }

    [Test]
    public void TheGradientOfAGramMatrixMultipliesTheFeaturesOnce()
    {
        var g = new Graph();
        Tensor f, df;
        using (g.AsDefault())
        {
            f = Ops.Placeholder(DType.Float64, new Shape(6, 3), "f");
            using var tape = new GradientTape();
            tape.Watch(f);
            var gram = Ops.MatMul(f, f, transposeA: true);
            var loss = Ops.ReduceSum(gram * gram);
            df = tape.Gradient(loss, f)!;
        }
        var result = PassCheck.Optimize(g, [df], new ArithmeticSimplification());
        Assert.That(PassCheck.OpNames(result).Count(o => o == "MatMul"), Is.EqualTo(2), "F^T F forward, one product backward");
        var fv = Values(5, 6, 3);
        var got = PassCheck.SameAsPlain(g, [df], new FeedDict { { f, fv } });
        var gram2 = Ops.MatMul(fv, fv, transposeA: true);
        PassCheck.AssertClose(got[0], 4.0 * Ops.MatMul(fv, gram2));
    }
}
