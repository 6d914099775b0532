namespace Eager.Tests.Core;

/// <summary>Random ops in graphs with TensorFlow's graph-seed and op-seed rules.</summary>
[TestFixture]
public class RandomOpsTests
{
    private static float[] Values(Tensor t) => t.ToArray<float>();

    [Test]
    public void SeededGraphsRepeatTheirSequenceInEverySessionAndEachRunDrawsAnew()
    {
        var g = new Graph { Seed = 1234 };
        Tensor a, b;
        using (g.AsDefault())
        {
            a = Ops.RandomNormal(new Shape(4));           // op seed from the graph seed and the node's position
            b = Ops.RandomUniform(new Shape(4), seed: 9);
        }
        float[][] First(Session s) => [Values(s.Run(a)), Values(s.Run(a)), Values(s.Run(b)), Values(s.Run(b))];
        float[][] one, two;
        using (var s1 = new Session(g)) one = First(s1);
        using (var s2 = new Session(g)) two = First(s2);
        for (int i = 0; i < 4; i++) Assert.That(two[i], Is.EqualTo(one[i]), $"draw {i} repeats in a new session");
        Assert.That(one[1], Is.Not.EqualTo(one[0]), "each run draws anew");
        Assert.That(one[3], Is.Not.EqualTo(one[2]));

        // The same program built again gives the same numbers (the op seed depends on the construction order only).
        var h = new Graph { Seed = 1234 };
        Tensor a2;
        using (h.AsDefault()) a2 = Ops.RandomNormal(new Shape(4));
        using var s3 = new Session(h);
        Assert.That(Values(s3.Run(a2)), Is.EqualTo(one[0]));

        var other = new Graph { Seed = 99 };
        Tensor a3;
        using (other.AsDefault()) a3 = Ops.RandomNormal(new Shape(4));
        using var s4 = new Session(other);
        Assert.That(Values(s4.Run(a3)), Is.Not.EqualTo(one[0]), "another graph seed, another sequence");
    }

    [Test]
    public void AnOpSeedAloneMatchesTheEagerDrawAndNoSeedIsUnpredictable()
    {
        var g = new Graph();
        Tensor seeded, unseeded;
        using (g.AsDefault())
        {
            seeded = Ops.RandomNormal(new Shape(3, 2), mean: 1, stddev: 2, seed: 42);
            unseeded = Ops.RandomUniform(new Shape(8));
        }
        Assert.That(seeded.Node!.Attrs.Int("seed"), Is.EqualTo(Ops.DefaultGraphSeed));
        using var s = new Session(g);
        Assert.That(Values(s.Run(seeded)), Is.EqualTo(Values(Tensor.RandomNormal(new Shape(3, 2), 1, 2, seed: 42))));
        Assert.That(Values(Ops.RandomNormal(new Shape(3, 2), 1, 2, seed: 42)), Is.EqualTo(Values(Tensor.RandomNormal(new Shape(3, 2), 1, 2, seed: 42))),
            "eagerly each call is a fresh op: the same seed gives the same numbers");
        using var other = new Session(g);
        Assert.That(Values(other.Run(unseeded)), Is.Not.EqualTo(Values(s.Run(unseeded))));
    }

    [Test]
    public void InitializersRedrawWhenRunAgainAndGraphFilesKeepTheOp()
    {
        var g = new Graph { Seed = 7 };
        Variable w;
        Operation init;
        using (g.AsDefault())
        {
            w = new Variable(Ops.TruncatedNormal(new Shape(5), stddev: 0.1), name: "w");
            init = Ops.GlobalVariablesInitializer();
        }
        using var s = new Session(g);
        s.Run(init);
        var first = Values(s.Run(w));
        s.Run(init);
        var second = Values(s.Run(w));
        Assert.That(second, Is.Not.EqualTo(first), "running the initializer again draws new values");
        Assert.That(first.All(v => MathF.Abs(v) <= 0.2f), Is.True, "truncated at two standard deviations");

        var path = Path.Combine(Path.GetTempPath(), $"eager-random-{Guid.NewGuid():N}.eagergraph");
        try
        {
            g.Save(path);
            var back = Graph.Load(path);
            Assert.That(back.Nodes.Any(n => n.Op.Name == "TruncatedNormal"), Is.True, "the file keeps the random op");
            Assert.That(back.Nodes.Any(n => n.Op.Name == "Const" && n.Outputs[0].Shape == new Shape(5)), Is.False, "and not its values");
            using var s2 = new Session(back);
            using (back.AsDefault()) s2.Run(Ops.GlobalVariablesInitializer());
            Assert.That(Values(s2.Run(back.Variables.Single())), Is.EqualTo(first), "the loaded graph draws the same sequence");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void ShuffleAndMultinomialDrawPlausibly()
    {
        var x = Tensor.Arange(10, DType.Int32);
        var shuffled = Ops.RandomShuffle(x, seed: 3).ToArray<int>();
        Assert.That(shuffled.Order(), Is.EqualTo(Enumerable.Range(0, 10)), "a permutation");
        Assert.That(shuffled, Is.Not.EqualTo(Enumerable.Range(0, 10)));
        var rows = Tensor.From(new float[,] { { 1, 1 }, { 2, 2 }, { 3, 3 } });
        var r = Ops.RandomShuffle(rows, seed: 1).ToArray<float>();
        for (int i = 0; i < 3; i++) Assert.That(r[2 * i], Is.EqualTo(r[2 * i + 1]), "rows move whole");

        var logits = Tensor.From(new float[,] { { 0, MathF.Log(3) }, { -100, 0 } });
        var draws = Ops.Multinomial(logits, 4000, seed: 5);
        Assert.That(draws.DType, Is.EqualTo(DType.Int64));
        Assert.That(draws.Shape, Is.EqualTo(new Shape(2, 4000)));
        var d = draws.ToArray<long>();
        double ones = d.Take(4000).Count(v => v == 1) / 4000.0;
        Assert.That(ones, Is.EqualTo(0.75).Within(0.03), "p(1) = 3/4");
        Assert.That(d.Skip(4000).All(v => v == 1), Is.True);
        Assert.Throws<ArgumentException>(() => Ops.Multinomial(Tensor.From(new[] { 1f }), 2));
        Assert.Throws<ArgumentException>(() => Ops.RandomShuffle(Tensor.Scalar(1f)));
        Assert.Throws<ArgumentException>(() => Ops.RandomNormal(new Shape(2), dtype: DType.Int32));
    }

    [Test]
    public void UniformIntegersStayInRangeAndNormalsHaveTheirMoments()
    {
        var ints = Ops.RandomUniform(new Shape(1000), minval: -3, maxval: 4, seed: 2, dtype: DType.Int64).ToArray<long>();
        Assert.That(ints.Min(), Is.EqualTo(-3));
        Assert.That(ints.Max(), Is.EqualTo(3));
        var n = Ops.RandomNormal(new Shape(20000), mean: 2, stddev: 3, seed: 1, dtype: DType.Float64).ToArray<double>();
        double mean = n.Average(), sd = Math.Sqrt(n.Select(v => (v - mean) * (v - mean)).Average());
        Assert.That(mean, Is.EqualTo(2).Within(0.1));
        Assert.That(sd, Is.EqualTo(3).Within(0.1));
    }
}
