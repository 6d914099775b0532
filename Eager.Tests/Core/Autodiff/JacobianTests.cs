namespace Eager.Tests.Core.Autodiff;

public class JacobianTests
{
    [Test]
    public void JacobianOfAnElementwiseProductIsDiagonal()
    {
        var x = Tensor.From(new[] { 1.0, 2.0, 3.0 });
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * x;
        var j = tape.Jacobian(y, x)!;
        Assert.That(j.Shape, Is.EqualTo(new Shape(3, 3)));
        Assert.That(j.ToArray<double>(), Is.EqualTo(new[] { 2.0, 0, 0, 0, 4, 0, 0, 0, 6 }));
    }

    [Test]
    public void JacobianOfAMatMulWithRespectToAMatrixHasBothShapes()
    {
        // y = a w, a (2,3), w (3,1): dy[i,0]/dw[k,0] = a[i,k]
        var a = Tensor.From(new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var w = new Variable(Tensor.From(new double[,] { { 1 }, { 0 }, { -1 } }), name: "w");
        using var tape = new GradientTape();
        var y = Ops.MatMul(a, w);
        var j = tape.Jacobian(y, w)!;
        Assert.That(j.Shape, Is.EqualTo(new Shape(2, 1, 3, 1)));
        Assert.That(j.ToArray<double>(), Is.EqualTo(new[] { 1.0, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void JacobianMatchesFiniteDifferences()
    {
        var x = Tensor.From(new[] { 0.5, -1.5, 2.0, 0.25 }, new Shape(2, 2));
        Func<Tensor, Tensor> f = t => Ops.MatMul(t, t) / (t + 3.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var j = tape.Jacobian(f(x), x)!.ToArray<double>();
        const double eps = 1e-6;
        for (int k = 0; k < 4; k++)
        {
            var plus = f(Conformance.Numeric.Nudge(x, k, eps)).ToArray<double>();
            var minus = f(Conformance.Numeric.Nudge(x, k, -eps)).ToArray<double>();
            for (int i = 0; i < 4; i++)
                Assert.That(j[i * 4 + k], Is.EqualTo((plus[i] - minus[i]) / (2 * eps)).Within(1e-7), $"J[{i},{k}]");
        }
    }

    [Test]
    public void JacobianCountsAsTheOneAnswerOfANonPersistentTape()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 });
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * x;
        Assert.That(tape.Jacobian(y, x), Is.Not.Null);
        Assert.Throws<InvalidOperationException>(() => tape.Jacobian(y, x));
        Assert.Throws<InvalidOperationException>(() => tape.Gradient(y, x));
    }

    [Test]
    public void PersistentTapeGivesManyJacobians()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 });
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = x * x;
        var z = y * 3.0;
        Assert.That(tape.Jacobian(y, x)!.ToArray<double>(), Is.EqualTo(new[] { 2.0, 0, 0, 4 }));
        Assert.That(tape.Jacobian(z, x)!.ToArray<double>(), Is.EqualTo(new[] { 6.0, 0, 0, 12 }));
    }

    [Test]
    public void UnconnectedJacobianIsNullOrZeros()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 });
        var other = Tensor.From(new[] { 1.0, 2.0, 3.0 });
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        tape.Watch(other);
        var y = x * 2.0;
        Assert.That(tape.Jacobian(y, other), Is.Null);
        var z = tape.Jacobian(y, other, UnconnectedGradients.Zero)!;
        Assert.That(z.Shape, Is.EqualTo(new Shape(2, 3)));
        Assert.That(z.ToArray<double>(), Is.All.EqualTo(0.0));
    }

    [Test]
    public void JacobianOfAScalarIsTheGradient()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 });
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.ReduceSum(x * x);
        var j = tape.Jacobian(y, x)!;
        Assert.That(j.Shape, Is.EqualTo(new Shape(2)));
        Assert.That(j.ToArray<double>(), Is.EqualTo(new[] { 2.0, 4.0 }));
    }

    [Test]
    public void EmptyTargetGivesAnEmptyJacobian()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 });
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.Reshape(x, 2, 1) * Tensor.Zeros(new Shape(1, 0), DType.Float64);
        Assert.That(tape.Jacobian(y, x)!.Shape, Is.EqualTo(new Shape(2, 0, 2)));
    }

    [Test]
    public void JacobianUnderAnOuterTapeIsDifferentiable()
    {
        // Hessian of sum(x^3) is diag(6x); the outer tape differentiates the inner Jacobian's rows.
        var x = Tensor.From(new[] { 1.0, 2.0 });
        using var outer = new GradientTape();
        outer.Watch(x);
        Tensor j;
        using (var inner = new GradientTape())
        {
            inner.Watch(x);
            var y = x * x * x;
            j = inner.Jacobian(y, x)!;                  // diag(3x^2)
        }
        var h = outer.Jacobian(j, x)!;                  // (2, 2, 2): d(3x_i^2 delta_ik)/dx_m
        Assert.That(h.Shape, Is.EqualTo(new Shape(2, 2, 2)));
        Assert.That(h.ToArray<double>(), Is.EqualTo(new[] { 6.0, 0, 0, 0, 0, 0, 0, 12 }));
    }

    [Test]
    public void HessianFromOnePersistentTape()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 });
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = Ops.ReduceSum(x * x * x) + Ops.ReduceSum(x * 2.0) * Ops.ReduceSum(x);
        var g = tape.Gradient(y, x)!;
        var h = tape.Jacobian(g, x)!;                   // diag(6x) + 4 (all ones)
        Assert.That(h.ToArray<double>(), Is.EqualTo(new[] { 10.0, 4, 4, 16 }));
    }

    [Test]
    public void BatchJacobianKeepsOneJacobianPerExample()
    {
        // y[b] = W x[b] for W (3, 2): per-example Jacobian is W for every b.
        var w = Tensor.From(new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } });
        var x = Tensor.From(new double[,] { { 1, 0 }, { 0, 1 }, { 2, 2 }, { -1, 1 } });
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.MatMul(x, w, transposeB: true) * Ops.MatMul(x, w, transposeB: true); // (4, 3), rows independent
        var j = tape.BatchJacobian(y, x)!;
        Assert.That(j.Shape, Is.EqualTo(new Shape(4, 3, 2)));
        var xv = x.ToArray<double>();
        var jv = j.ToArray<double>();
        for (int b = 0; b < 4; b++)
        for (int i = 0; i < 3; i++)
        {
            double yi = w.ToArray<double>()[i * 2] * xv[b * 2] + w.ToArray<double>()[i * 2 + 1] * xv[b * 2 + 1];
            for (int k = 0; k < 2; k++)
                Assert.That(jv[(b * 3 + i) * 2 + k], Is.EqualTo(2 * yi * w.ToArray<double>()[i * 2 + k]).Within(1e-12));
        }
    }

    [Test]
    public void BatchJacobianNeedsMatchingBatchDimensions()
    {
        var x = Tensor.From(new double[,] { { 1, 0 }, { 0, 1 } });
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.Reshape(x, 4);
        var e = Assert.Throws<ArgumentException>(() => tape.BatchJacobian(y, x));
        Assert.That(e!.Message, Does.Contain("(4,)").And.Contain("(2, 2)"));
    }

    [Test]
    public void IntegerTargetsHaveNoJacobian()
    {
        var i = Tensor.From(new[] { 1, 2 });
        using var tape = new GradientTape();
        tape.Watch(i);
        Assert.That(tape.Jacobian(i * i, i), Is.Null);
    }

    [Test]
    public void BatchJacobianUnderAnOuterTapeMatchesTheCopiedOne()
    {
        var x = Tensor.From(new double[,] { { 1, 2 }, { 3, -1 }, { 0.5, 0 } });
        Tensor copied, built;
        using (var tape = new GradientTape())
        {
            tape.Watch(x);
            copied = tape.BatchJacobian(x * x * x, x)!;
        }
        using (var outer = new GradientTape())
        {
            outer.Watch(x);
            using var tape = new GradientTape();
            tape.Watch(x);
            built = tape.BatchJacobian(x * x * x, x)!;
            Assert.That(outer.Gradient(built, x)!.ToArray<double>(), Is.EqualTo(x.ToArray<double>().Select(v => 6 * v).ToArray()).Within(1e-12),
                "d/dx of sum of diag(3x^2) per row is 6x");
        }
        Assert.That(built.Shape, Is.EqualTo(new Shape(3, 2, 2)));
        Assert.That(built.ToArray<double>(), Is.EqualTo(copied.ToArray<double>()));
    }

    [Test]
    public void JacobianInAGraphRunsInASession()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float64, new Shape(3), name: "x");
            using var tape = new GradientTape();
            tape.Watch(x);
            var j = tape.Jacobian(x * x, x)!;
            Assert.That(j.IsSymbolic, Is.True);
            Assert.That(j.Shape, Is.EqualTo(new Shape(3, 3)));
            using var sess = new Session(g);
            var value = sess.Run(j, new FeedDict { { x, Tensor.From(new[] { 1.0, 2.0, 3.0 }) } });
            Assert.That(value.ToArray<double>(), Is.EqualTo(new[] { 2.0, 0, 0, 0, 4, 0, 0, 0, 6 }));
        }
    }
}
