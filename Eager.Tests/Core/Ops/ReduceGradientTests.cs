namespace Eager.Tests.Core;

public class ReduceGradientTests
{
    [Test]
    public void SumAndMeanGradients()
    {
        GradCheck.Check(x => Ops.ReduceSum(x[0], [0, 2]), TestTensors.Randn(1, 2, 3, 4));
        GradCheck.Check(x => Ops.ReduceMean(x[0], 1, keepDims: true), TestTensors.Randn(2, 3, 5));
        GradCheck.Check(x => Ops.ReduceMean(x[0]), TestTensors.Randn(3, 7));
        GradCheck.Check(x => Ops.ReduceSum(Ops.Transpose(x[0]), 0), TestTensors.Randn(4, 3, 2));
    }

    [Test]
    public void MaxAndMinGradientsGoToTheSelectedElements()
    {
        GradCheck.Check(x => Ops.ReduceMax(x[0], 1), TestTensors.Randn(5, 3, 4));
        GradCheck.Check(x => Ops.ReduceMin(x[0], [0, 2], keepDims: true), TestTensors.Randn(6, 2, 3, 4));
        GradCheck.Check(x => Ops.ReduceMax(x[0]), TestTensors.Randn(7, 5));
    }

    [Test]
    public void TiesShareTheGradientEqually()
    {
        var x = Tensor.From(new[] { 1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 5.0, 0.0 }, new Shape(2, 4));
        using var tape = new GradientTape();
        tape.Watch(x);
        var g = tape.Gradient(Ops.ReduceMax(x, 1), x)!;
        ArrayRef.AssertClose(g, [0, 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0], [2, 4], 1e-12);
    }

    [Test]
    public void ProdGradientIsExactWithZeros()
    {
        GradCheck.Check(x => Ops.ReduceProd(x[0], 1), TestTensors.Randn(8, 3, 4));
        GradCheck.Check(x => Ops.ReduceProd(x[0], [0, 2], keepDims: true), TestTensors.Randn(9, 2, 3, 2));
        var z = Tensor.From(new[] { 2.0, 0.0, 3.0, 0.0, 0.0, 4.0 }, new Shape(2, 3));
        using var tape = new GradientTape();
        tape.Watch(z);
        var g = tape.Gradient(Ops.ReduceProd(z, 1), z)!;
        ArrayRef.AssertClose(g, [0, 6, 0, 0, 0, 0], [2, 3], 1e-12);
    }

    [Test]
    public void SecondOrderOfMeanAndMax()
    {
        // d/dx of d/dx sum(mean(x^3)): the reduce gradient rules are themselves differentiable.
        GradCheck.Check(x =>
        {
            using var inner = new GradientTape();
            inner.Watch(x[0]);
            var y = Ops.ReduceMean(x[0] * x[0] * x[0], 0);
            return inner.Gradient(Ops.ReduceSum(Ops.ReduceMax(x[0] * y, 1)), x[0])!;
        }, TestTensors.Randn(10, 3, 4));
    }

    [Test]
    public void SecondOrderOfProdIsReportedAsUnsupported()
    {
        var x = TestTensors.Randn(11, 3);
        using var outer = new GradientTape();
        outer.Watch(x);
        Tensor g;
        using (var inner = new GradientTape())
        {
            inner.Watch(x);
            g = inner.Gradient(Ops.ReduceProd(x), x)!;
        }
        Assert.Throws<NotSupportedException>(() => outer.Gradient(Ops.ReduceSum(g), x));
    }
}
