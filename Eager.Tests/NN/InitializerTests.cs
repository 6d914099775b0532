using Eager.NN;

namespace Eager.Tests.NN;

public class InitializerTests
{
    private static (double Mean, double Std, double Max) Stats(Tensor t)
    {
        var v = t.ToDoubleArray();
        double mean = v.Average();
        return (mean, Math.Sqrt(v.Select(x => (x - mean) * (x - mean)).Average()), v.Max(Math.Abs));
    }

    [Test]
    public void FansFollowKerasForMatricesAndKernels()
    {
        Assert.That(Initializer.Fans(new Shape(20, 30)), Is.EqualTo((20.0, 30.0)));
        Assert.That(Initializer.Fans(new Shape(3, 3, 8, 16)), Is.EqualTo((72.0, 144.0)));
        Assert.That(Initializer.Fans(new Shape(5)), Is.EqualTo((5.0, 5.0)));
    }

    [Test]
    public void GlorotUniformHasItsLimitAndVariance()
    {
        var t = new GlorotUniform(seed: 1).Create(new Shape(200, 300));
        double limit = Math.Sqrt(6.0 / 500);
        var (mean, std, max) = Stats(t);
        Assert.That(max, Is.LessThanOrEqualTo(limit));
        Assert.That(mean, Is.EqualTo(0).Within(0.002));
        Assert.That(std, Is.EqualTo(limit / Math.Sqrt(3)).Within(0.02 * limit));
    }

    [Test]
    public void HeNormalHasVarianceTwoOverFanIn()
    {
        var t = new HeNormal(seed: 2).Create(new Shape(3, 3, 32, 64), DType.Float64);
        Assert.That(t.DType, Is.EqualTo(DType.Float64));
        var (_, std, max) = Stats(t);
        double want = Math.Sqrt(2.0 / (9 * 32));
        Assert.That(std, Is.EqualTo(want).Within(0.03 * want));
        Assert.That(max, Is.LessThanOrEqualTo(2 * want / 0.87962566103423978 + 1e-12), "truncated at two (pre-scaling) standard deviations");
    }

    [Test]
    public void SeedsMakeValuesReproducible()
    {
        var s = new Shape(4, 5);
        var first = new GlorotNormal(7).Create(s).ToArray<float>();
        var again = new GlorotNormal(7).Create(s).ToArray<float>();
        var other = new GlorotNormal(8).Create(s).ToArray<float>();
        Assert.That(again, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
        Initializer.SetGlobalSeed(3);
        var a = new Sequential(new Dense(4), new Dense(2));
        a.Build(new Shape(-1, 3));
        Initializer.SetGlobalSeed(3);
        var b = new Sequential(new Dense(4), new Dense(2));
        b.Build(new Shape(-1, 3));
        Initializer.SetGlobalSeed(null);
        Assert.That(b.Variables.Select(v => v.Value.ToArray<float>()), Is.EqualTo(a.Variables.Select(v => v.Value.ToArray<float>())));
    }

    [Test]
    public void ConstantsAndRanges()
    {
        Assert.That(new Zeros().Create(new Shape(3)).ToArray<float>(), Is.All.EqualTo(0f));
        Assert.That(new Ones().Create(new Shape(3)).ToArray<float>(), Is.All.EqualTo(1f));
        Assert.That(new Constant(2.5).Create(new Shape(2, 2), DType.Float64).ToArray<double>(), Is.All.EqualTo(2.5));
        var u = new RandomUniform(-0.1, 0.2, seed: 4).Create(new Shape(1000)).ToArray<float>();
        Assert.That(u.Min(), Is.GreaterThanOrEqualTo(-0.1f));
        Assert.That(u.Max(), Is.LessThan(0.2f));
        Assert.That(Stats(new RandomNormal(1, 0.5, seed: 5).Create(new Shape(4000))).Mean, Is.EqualTo(1).Within(0.05));
        Assert.Throws<ArgumentException>(() => new Zeros().Create(new Shape(-1, 3)));
    }

    [Test]
    public void InitialValuesAreConcreteWhileTracingAndRandomOpsInATf1Graph()
    {
        var traced = new Graph { LiftVariables = true };
        using (traced.AsDefault())
        {
            var t = new HeUniform(1).Create(new Shape(2, 2));
            Assert.That(t.IsSymbolic, Is.False);
            Assert.That(traced.Nodes, Is.Empty, "no nodes were added");
        }
        var g = new Graph();
        using (g.AsDefault())
        {
            var t = new HeUniform(1).Create(new Shape(2, 2));
            Assert.That(t.IsSymbolic, Is.True);
            Assert.That(g.Nodes.Select(n => n.Op.Name), Is.EqualTo(new[] { "RandomUniform" }));
            Assert.That(new Zeros().Create(new Shape(2)).IsSymbolic, Is.False, "a constant initializer's value is a constant");
        }
    }
}
