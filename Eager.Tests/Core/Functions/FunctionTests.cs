namespace Eager.Tests.Core.Functions;

public class FunctionTests
{
    private static bool Close(float[] got, float[] want, float tol = 1e-5f) =>
        got.Length == want.Length && got.Zip(want).All(p => MathF.Abs(p.First - p.Second) <= tol * (1 + MathF.Abs(p.Second)));

    [Test]
    public void TracesOncePerSignatureAndMatchesEager()
    {
        int runs = 0;
        var f = Function.Create((Tensor x, Tensor b) =>
        {
            runs++;
            return Ops.MatMul(x, x, transposeB: true) + b * 2f;
        });
        var a = Tensor.RandomNormal(new Shape(4, 3), seed: 1);
        var bias = Tensor.From(new[] { 0.5f, -0.5f, 0f, 1f });
        var eager = (Ops.MatMul(a, a, transposeB: true) + bias * 2f).ToArray<float>();
        Assert.That(Close(f.Invoke(a, bias).ToArray<float>(), eager));
        _ = f.Invoke(Tensor.RandomNormal(new Shape(4, 3), seed: 2), bias);
        Assert.That((f.TraceCount, runs), Is.EqualTo((1, 1)));
        _ = f.Invoke(Tensor.RandomNormal(new Shape(4, 5), seed: 3), bias);
        Assert.That(f.TraceCount, Is.EqualTo(2));
        _ = f.Invoke(Tensor.RandomNormal(new Shape(4, 3), seed: 3, dtype: DType.Float64), Tensor.Zeros(new Shape(4), DType.Float64));
        Assert.That(f.TraceCount, Is.EqualTo(3));
        Assert.That(f.ConcreteFunctions[0].InputSpecs.Select(s => s.Name), Is.EqualTo(new[] { "x", "b" }));
        foreach (var cf in f.ConcreteFunctions) GraphVerifier.Verify(cf.Graph);
    }

    [Test]
    public void AConcreteFunctionWithUnknownDimsRunsAnySizeAndServesLaterCalls()
    {
        var f = Function.Create((Tensor x, Tensor b) => Ops.MatMul(x, x, transposeB: true) + b);
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1, 3), DType.Float32), new TensorSpec(new Shape(-1), DType.Float32));
        Assert.That(cf.OutputSpecs[0].Shape, Is.EqualTo(new Shape(-1, -1)));
        foreach (int n in new[] { 1, 6, 17 })
        {
            var m = Tensor.RandomNormal(new Shape(n, 3), seed: n);
            var b = Tensor.RandomNormal(new Shape(n), seed: n + 1);
            var want = (Ops.MatMul(m, m, transposeB: true) + b).ToArray<float>();
            Assert.That(Close(cf.Invoke(m, b).ToArray<float>(), want));
            Assert.That(Close(f.Invoke(m, b).ToArray<float>(), want));
        }
        Assert.That(f.TraceCount, Is.EqualTo(1));
        Assert.That(f.GetConcreteFunction(new TensorSpec(new Shape(-1, 3), DType.Float32), new TensorSpec(new Shape(-1), DType.Float32)), Is.SameAs(cf));
        var e = Assert.Throws<ArgumentException>(() => cf.Invoke(Tensor.Zeros(new Shape(2, 4)), Tensor.Zeros(new Shape(2))));
        Assert.That(e!.Message, Does.Contain("'x'").And.Contain("(2, 4)").And.Contain("(None, 3)"));
        Assert.Throws<ArgumentException>(() => cf.Invoke(Tensor.Zeros(new Shape(2, 3))));
        Assert.Throws<ArgumentException>(() => f.Invoke(Tensor.Zeros(new Shape(2, 3))));
    }

    [Test]
    public void ReadingASymbolicValueWhileTracingExplainsTheFix()
    {
        var f = Function.Create((Tensor x) => x.Item<float>() > 0 ? x : -x);
        var e = Assert.Throws<TracerException>(() => f.Invoke(Tensor.Scalar(1f)));
        Assert.That(e!.Message, Does.Contain("symbolic").And.Contain("Ops.Cond"));
        Assert.That(f.TraceCount, Is.Zero);
    }

    [Test]
    public void RunEagerlyRunsTheBodyEveryCall()
    {
        int runs = 0;
        var f = Function.Create((Tensor x) => { runs++; return x * 2f; });
        try
        {
            Function.RunEagerly = true;
            Assert.That(f.Invoke(Tensor.Scalar(2f)).Item<float>(), Is.EqualTo(4f));
            Assert.That(f.Invoke(Tensor.Scalar(3f)).Item<float>(), Is.EqualTo(6f));
            Assert.That((runs, f.TraceCount), Is.EqualTo((2, 0)));
        }
        finally { Function.RunEagerly = false; }
    }

    [Test]
    public void RetracingPastTheThresholdWarns()
    {
        var warnings = new List<string>();
        var saved = Function.WarningHandler;
        try
        {
            Function.WarningHandler = warnings.Add;
            var f = Function.Create((Tensor x) => x + 1f, name: "shifty");
            for (int n = 1; n <= Function.RetraceWarningThreshold + 2; n++) f.Invoke(Tensor.Zeros(new Shape(n)));
            Assert.That(warnings, Has.Count.EqualTo(2));
            Assert.That(warnings[0], Does.Contain("shifty").And.Contain("-1"));
        }
        finally { Function.WarningHandler = saved; }
    }

    [Test]
    public void ArraysInArraysOut()
    {
        var f = Function.Create((Tensor[] xs) => [xs[0] + xs[1], xs[0] * xs[1], xs[2]]);
        var r = f.InvokeAll(Tensor.Scalar(2f), Tensor.Scalar(3f), Tensor.Scalar(7f));
        Assert.That(r.Select(t => t.Item<float>()), Is.EqualTo(new[] { 5f, 6f, 7f }));
        Assert.Throws<InvalidOperationException>(() => f.Invoke(Tensor.Scalar(2f), Tensor.Scalar(3f), Tensor.Scalar(7f)));
        var constant = Function.Create((Tensor[] _) => [Tensor.Scalar(42f)]);
        Assert.That(constant.Invoke().Item<float>(), Is.EqualTo(42f));
    }

    [Test]
    public void AFunctionCalledWhileTracingIsInlined()
    {
        var inner = Function.Create((Tensor x) => x * 3f);
        var outer = Function.Create((Tensor x) => inner.Invoke(x) + 1f);
        Assert.That(outer.Invoke(Tensor.Scalar(2f)).Item<float>(), Is.EqualTo(7f));
        Assert.That(inner.TraceCount, Is.Zero);
        var cf = inner.GetConcreteFunction(new TensorSpec(Shape.Scalar, DType.Float32));
        var viaConcrete = Function.Create((Tensor x) => cf.Invoke(x) - 1f);
        Assert.That(viaConcrete.Invoke(Tensor.Scalar(2f)).Item<float>(), Is.EqualTo(5f));
        GraphVerifier.Verify(viaConcrete.ConcreteFunctions[0].Graph);
    }

    [Test]
    public void ATapeOutsideSeesThroughTheFunction()
    {
        var f = Function.Create((Tensor x) => x * x);
        var x = Tensor.Scalar(3f);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = f.Invoke(x);
        Assert.That(tape.Gradient(y, x)!.Item<float>(), Is.EqualTo(6f));
    }
}
