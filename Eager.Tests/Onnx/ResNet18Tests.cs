using Eager.Onnx;

namespace Eager.Tests.Onnx;

/// <summary>A real pretrained network we did not write: ResNet-18 from the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18, imported and run by Eager, against ONNX Runtime.</summary>
[TestFixture]
[Category("Slow")]
public class ResNet18Tests
{
    internal static string ModelPath => Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx");

    [Test]
    public void ImportedResNet18MatchesOnnxRuntime()
    {
        var input = Tensor.RandomUniform(new Shape(1, 3, 224, 224), 0, 255, seed: 5);
        var want = OrtRunner.Run(ModelPath, input)[0];
        var ours = OnnxImporter.Import(ModelPath).Invoke(input);
        Assert.That(ours.Shape, Is.EqualTo(want.Shape));
        var g = ours.ToArray<float>(); var w = want.ToArray<float>();
        double maxRef = w.Max(v => Math.Abs(v)), err = g.Zip(w).Max(p => Math.Abs(p.First - p.Second));
        TestContext.Out.WriteLine($"ResNet-18: {w.Length} outputs, max |ref| {maxRef:G4}, max difference {err:G4}");
        Assert.That(err, Is.LessThan(1e-3 * Math.Max(1, maxRef)));
    }
}
