namespace Eager.Tests.Core;

public class SmokeTests
{
    [Test]
    public void AddBroadcastsARowOverAMatrix()
    {
        var a = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } });
        var r = a + Tensor.From(new[] { 10f, 20f });
        Assert.That(r.ToArray<float>(), Is.EqualTo(new[] { 11f, 22f, 13f, 24f }));
    }

    [Test]
    public void TapeGivesGradientOfCube()
    {
        var x = Tensor.Scalar(3f);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * x * x;
        Assert.That(tape.Gradient(y, x)!.Item<float>(), Is.EqualTo(27f).Within(1e-4));
    }
}
