namespace Eager.Tests.Core.Tensors;

/// <summary>The public API that packages outside Core (checkpoints, importers) build on instead of internals.</summary>
public class PublicSeamTests
{
    [Test]
    public void FromSpanCopiesASliceIntoTheShape()
    {
        ReadOnlySpan<float> buffer = [9f, 1f, 2f, 3f, 4f, 5f, 6f, 9f];
        var t = Tensor.From(buffer[1..7], new Shape(2, 3));
        Assert.That(t.Shape, Is.EqualTo(new Shape(2, 3)));
        Assert.That(t.ToArray<float>(), Is.EqualTo(new[] { 1f, 2f, 3f, 4f, 5f, 6f }));
    }

    [Test]
    public void FromSpanRejectsALengthThatDoesNotFillTheShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.From(new ReadOnlySpan<int>([1, 2, 3]), new Shape(2, 2)));
        Assert.That(ex!.Message, Does.Contain("3 elements").And.Contain("(2, 2)"));
        Assert.Throws<ArgumentException>(() => Tensor.From(ReadOnlySpan<int>.Empty, new Shape(-1)));
    }

    [Test]
    public void AsReadOnlySpanReadsAContiguousTensorInPlace()
    {
        var t = Tensor.From(new[] { 1.0, 2.0, 3.0, 4.0 }).Reshape(2, 2);
        var span = t.AsReadOnlySpan<double>();
        Assert.That(span.ToArray(), Is.EqualTo(new[] { 1.0, 2.0, 3.0, 4.0 }));
        GC.KeepAlive(t);
        Assert.That(Tensor.Zeros(new Shape(0)).AsReadOnlySpan<float>().Length, Is.Zero);
    }

    [Test]
    public void AsReadOnlySpanRefusesViewsOtherTypesAndSymbols()
    {
        var m = Tensor.From(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        var view = Ops.Transpose(m);
        Assert.That(view.IsContiguous, Is.False, "the test needs a strided view");
        var ex = Assert.Throws<InvalidOperationException>(() => view.AsReadOnlySpan<float>());
        Assert.That(ex!.Message, Does.Contain("AsReadOnlySpan").And.Contain("Contiguous()"));
        Assert.That(view.Contiguous().AsReadOnlySpan<float>().ToArray(), Is.EqualTo(new[] { 1f, 4f, 2f, 5f, 3f, 6f }));
        ex = Assert.Throws<InvalidOperationException>(() => m.AsReadOnlySpan<double>());
        Assert.That(ex!.Message, Does.Contain("float32").And.Contain("Double"));
        using (new Graph().AsDefault())
        {
            var p = Ops.Placeholder(DType.Float32, new Shape(2), name: "p");
            Assert.Throws<TracerException>(() => p.AsReadOnlySpan<float>());
        }
    }

    [Test]
    public void TraceNamesPlaceholdersBySpecAndRuns()
    {
        var cf = ConcreteFunction.Trace("affine", xs => [xs[0] * 2f + xs[1]],
            new TensorSpec(new Shape(-1), DType.Float32, "x"), new TensorSpec(new Shape(-1), DType.Float32));
        Assert.That(cf.InputSpecs.Select(s => s.Name), Is.EqualTo(new[] { "x", "arg1" }));
        var y = cf.Invoke(Tensor.From(new[] { 1f, 2f }), Tensor.From(new[] { 10f, 20f }));
        Assert.That(y.ToArray<float>(), Is.EqualTo(new[] { 12f, 24f }));
    }

    [Test]
    public void LiftVariablesCreatesVariablesEagerlyWhileBuilding()
    {
        var g = new Graph { LiftVariables = true };
        Variable v;
        using (g.AsDefault()) v = new Variable(Tensor.Scalar(3f), name: "lifted");
        Assert.That(v.Read().IsSymbolic, Is.False);
        Assert.That(v.Read().Item<float>(), Is.EqualTo(3f));
        Assert.That(new Graph().LiftVariables, Is.False);
    }
}
