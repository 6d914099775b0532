namespace Eager.Tests.Core.Autodiff;

/// <summary>A non-persistent tape's answer returns the gradient buffers it made to the pool as it passes them on.</summary>
public class BackwardBuffersTests
{
    private static Tensor Chain(Tensor x)
    {
        var h = x;
        for (int i = 0; i < 6; i++) h = Ops.Tanh(h * 1.1f + 0.1f);
        return Ops.ReduceSum(Ops.Square(h));
    }

    [Test]
    public void ANonPersistentAnswerReleasesItsGradientBuffersAndGivesTheSameGradient()
    {
        var x = Tensor.RandomNormal(new Shape(64, 64), seed: 3);
        Tensor reference;
        using (var tape = new GradientTape(persistent: true))
        {
            tape.Watch(x);
            reference = tape.Gradient(Chain(x), x)!;
        }
        long before = BackwardBuffers.ReleasedTotal;
        Tensor grad;
        using (var tape = new GradientTape())
        {
            tape.Watch(x);
            grad = tape.Gradient(Chain(x), x)!;
        }
        Assert.That(BackwardBuffers.ReleasedTotal - before, Is.GreaterThanOrEqualTo(6), "each passed-on gradient goes back to the pool");
        Assert.That(grad.ToArray<float>(), Is.EqualTo(reference.ToArray<float>()));
    }

    [Test]
    public void APersistentTapeReleasesNothing()
    {
        var x = Tensor.RandomNormal(new Shape(64, 64), seed: 4);
        long before = BackwardBuffers.ReleasedTotal;
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = Chain(x);
        var g1 = tape.Gradient(y, x)!;
        var g2 = tape.Gradient(y, x)!;
        Assert.That(BackwardBuffers.ReleasedTotal, Is.EqualTo(before));
        Assert.That(g2.ToArray<float>(), Is.EqualTo(g1.ToArray<float>()));
    }

    [Test]
    public void AnOuterTapeRecordingTheBackwardPassKeepsEverything()
    {
        var x = Tensor.RandomNormal(new Shape(64, 64), seed: 5);
        long before = BackwardBuffers.ReleasedTotal;
        using var outer = new GradientTape();
        outer.Watch(x);
        Tensor g;
        using (var inner = new GradientTape())
        {
            inner.Watch(x);
            g = inner.Gradient(Chain(x), x)!;
        }
        Assert.That(BackwardBuffers.ReleasedTotal, Is.EqualTo(before), "the outer tape records the rules' results");
        var gg = outer.Gradient(Ops.ReduceSum(g), x)!;
        Assert.That(gg.ToArray<float>().All(float.IsFinite), Is.True);
    }

    [Test]
    public void WhatACustomGradientKeepsStaysReadable()
    {
        var x = Tensor.RandomNormal(new Shape(64, 64), seed: 6);
        Tensor? kept = null;
        using (var tape = new GradientTape())
        {
            tape.Watch(x);
            var y = Ops.CustomGradient(a => Ops.Tanh(a[0]), (_, _, g) =>
            {
                kept = g * 3f;
                return [kept];
            }, x);
            tape.Gradient(Chain(y), x);
        }
        Assert.That(() => kept!.ToArray<float>(), Throws.Nothing);
    }

    [Test]
    public void GradientsHandedToTheReadyCallbackStayReadable()
    {
        var w = new Variable(Tensor.RandomNormal(new Shape(64, 64), seed: 7), name: "w");
        var got = new Tensor?[1];
        using (var tape = new GradientTape())
        {
            var loss = Chain(w.Read() * 1f);
            tape.Gradient(loss, [w], (i, g) => got[i] = g! * 1f);
        }
        Assert.That(got[0]!.ToArray<float>().All(float.IsFinite), Is.True);
    }
}
