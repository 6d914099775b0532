using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>Eager runs of imported convolutions keep their filters in the layout the op wants (made once per model):
/// repeated runs, a depthwise and a 1-D convolution, a filter computed by the graph rather than stored, and gradients
/// through a tape all give what ONNX Runtime and the traced import give.</summary>
[TestFixture]
public class EagerWeightTests
{
    private static string ConvModel(bool computedFilter)
    {
        var w = Tensor.RandomNormal(new Shape(4, 3, 3, 3), seed: 3);
        var dw = Tensor.RandomNormal(new Shape(4, 1, 3, 3), seed: 4);
        var b = new OnnxGraphBuilder()
            .Input("x", DType.Float32, 2, 3, 9, 7)
            .Init("w", w).Init("dw", dw).Init("two", Tensor.Scalar(2f))
            .Output("y");
        string filter = "w";
        if (computedFilter) { b.Node("Mul", ["w", "two"], ["w2"]); filter = "w2"; }
        return b
            .Node("Conv", ["x", filter], ["h"], ("pads", new long[] { 1, 1, 1, 1 }))
            .Node("Conv", ["h", "dw"], ["y"], ("group", 4L), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }))
            .Save();
    }

    [TestCase(false)]
    [TestCase(true)]
    public void RepeatedEagerRunsMatchOnnxRuntime(bool computedFilter)
    {
        var path = ConvModel(computedFilter);
        try
        {
            var x = Tensor.RandomUniform(new Shape(2, 3, 9, 7), -1, 1, seed: 5);
            var want = OrtRunner.Run(path, x)[0];
            var model = OnnxModel.Load(path);
            for (int i = 0; i < 3; i++) NodeConformanceTests.AssertClose(model.Run(x)[0], want, $"eager run {i}");
            NodeConformanceTests.AssertClose(OnnxImporter.Import(path).Invoke(x), want, "traced import");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void OneDimensionalConvolutionKeepsItsFilterToo()
    {
        var path = new OnnxGraphBuilder()
            .Input("x", DType.Float32, 1, 2, 11)
            .Init("w", Tensor.RandomNormal(new Shape(3, 2, 3), seed: 6))
            .Output("y")
            .Node("Conv", ["x", "w"], ["y"], ("pads", new long[] { 1, 1 }))
            .Save();
        try
        {
            var x = Tensor.RandomUniform(new Shape(1, 2, 11), -1, 1, seed: 7);
            var want = OrtRunner.Run(path, x)[0];
            var model = OnnxModel.Load(path);
            NodeConformanceTests.AssertClose(model.Run(x)[0], want, "first run");
            NodeConformanceTests.AssertClose(model.Run(x)[0], want, "second run");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void GradientsThroughAnEagerRunMatchFiniteDifferences()
    {
        var path = ConvModel(computedFilter: false);
        try
        {
            var model = OnnxModel.Load(path);
            var x = Tensor.RandomUniform(new Shape(2, 3, 9, 7), -1, 1, seed: 8);
            model.Run(x); // the filters are prepared before the tape records
            var direction = Tensor.RandomNormal(x.Shape, seed: 9);
            double Loss(Tensor input) => Ops.ReduceSum(Ops.Square(model.Run(input)[0])).Item<float>();
            Tensor? grad;
            using (var tape = new GradientTape())
            {
                tape.Watch(x);
                var loss = Ops.ReduceSum(Ops.Square(model.Run(x)[0]));
                grad = tape.Gradient(loss, x);
            }
            const float h = 1e-2f;
            double numeric = (Loss(x + direction * h) - Loss(x - direction * h)) / (2 * h);
            double analytic = Ops.ReduceSum(grad! * direction).Item<float>();
            Assert.That(analytic, Is.EqualTo(numeric).Within(2e-3 * Math.Max(1, Math.Abs(numeric))));
        }
        finally { File.Delete(path); }
    }
}
