using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>Layers and optimizers in a TensorFlow 1 graph: initializers are random ops, optimizer state lives in each session.</summary>
[TestFixture]
public class GraphModeStateTests
{
    private static float[] Values(Tensor t) => t.ToArray<float>();

    [Test]
    public void LayerInitializersInAGraphAreRandomOpsThatRedrawAndRepeatAcrossSessions()
    {
        var g = new Graph { Seed = 5 };
        Dense dense;
        Conv2D conv;
        Dense normal;
        Operation init;
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 4), name: "x");
            dense = new Dense(3, name: "dense");                                 // GlorotUniform kernel, zero bias
            normal = new Dense(2, kernelInitializer: new RandomNormal(stddev: 0.5), name: "normal");
            normal.Call(dense.Call(x));
            conv = new Conv2D(2, 3, kernelInitializer: new HeNormal(), name: "conv");
            conv.Call(Ops.Placeholder(DType.Float32, new Shape(-1, 5, 5, 1), name: "img"));
            init = Ops.GlobalVariablesInitializer();
        }
        Assert.That(dense.Kernel!.Graph, Is.SameAs(g));
        Assert.That(dense.Kernel.InitializedValue!.Node!.Op.Name, Is.EqualTo("RandomUniform"));
        Assert.That(normal.Kernel!.InitializedValue!.Node!.Op.Name, Is.EqualTo("RandomNormal"));
        Assert.That(conv.Kernel!.InitializedValue!.Node!.Op.Name, Is.EqualTo("TruncatedNormal"));

        float[] first, again;
        using (var s1 = new Session(g))
        {
            s1.Run(init);
            first = Values(s1.Run(dense.Kernel));
            Assert.That(Values(s1.Run(dense.Bias!)), Is.EqualTo(new float[3]));
            double limit = Math.Sqrt(6.0 / (4 + 3));
            Assert.That(first.All(v => Math.Abs(v) <= limit), Is.True, "Glorot's limit");
            Assert.That(Values(s1.Run(conv.Kernel)).All(v => Math.Abs(v) <= 2 * Math.Sqrt(2.0 / 9) / 0.8796 + 1e-6), Is.True, "truncated at two deviations");
            s1.Run(init);
            again = Values(s1.Run(dense.Kernel));
        }
        Assert.That(again, Is.Not.EqualTo(first), "running the initializer again redraws");
        using (var s2 = new Session(g))
        {
            s2.Run(init);
            Assert.That(Values(s2.Run(dense.Kernel)), Is.EqualTo(first), "a seeded graph draws the same values in every session");
            s2.Run(init);
            Assert.That(Values(s2.Run(dense.Kernel)), Is.EqualTo(again));
        }

        var path = Path.Combine(Path.GetTempPath(), $"eager-layer-init-{Guid.NewGuid():N}.eagergraph");
        try
        {
            g.Save(path);
            var back = Graph.Load(path);
            Assert.That(back.Nodes.Count(n => n.Op.Name is "RandomUniform" or "RandomNormal" or "TruncatedNormal"), Is.EqualTo(3), "the file keeps the random ops");
            Assert.That(back.Nodes.Any(n => n.Op.Name == "Const" && n.Outputs[0].Shape == new Shape(4, 3)), Is.False, "and not their values");
            using var s3 = new Session(back);
            using (back.AsDefault()) s3.Run(Ops.GlobalVariablesInitializer());
            Assert.That(Values(s3.Run(back.Variables.Single(v => v.Name == dense.Kernel.Name))), Is.EqualTo(first), "the loaded graph draws the same sequence");
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void AnInitializerSeedAloneDrawsWhatTheEagerInitializerDrawsAndEagerValuesAreUnchanged()
    {
        var shape = new Shape(6, 5);
        var g = new Graph();
        Tensor glorot, he;
        using (g.AsDefault())
        {
            glorot = new GlorotUniform(seed: 3).Create(shape);
            he = new HeNormal(seed: 4).Create(shape, DType.Float64);
        }
        Assert.That(glorot.IsSymbolic && he.IsSymbolic, Is.True);
        using var s = new Session(g);
        var eager = new GlorotUniform(seed: 3).Create(shape);
        Assert.That(eager.IsSymbolic, Is.False);
        Assert.That(Values(s.Run(glorot)), Is.EqualTo(Values(eager)), "first draw of an op seed = the eager draw of that seed");
        Assert.That(s.Run(he).ToArray<double>(), Is.EqualTo(new HeNormal(seed: 4).Create(shape, DType.Float64).ToArray<double>()));
        double limit = Math.Sqrt(6.0 / 11);
        Assert.That(Values(eager), Is.EqualTo(Values(Tensor.RandomUniform(shape, -limit, limit, seed: 3))), "eagerly the initializer is Tensor.RandomUniform, as before");

        // Inside a traced function the values stay concrete: the layer gets real (lifted) variables.
        var traced = Function.Create((Tensor x) => Ops.Add(x, new GlorotUniform(seed: 3).Create(shape)));
        Assert.That(Values(traced.Invoke(Tensor.Zeros(shape))), Is.EqualTo(Values(eager)));

    }

    private static IEnumerable<TestCaseData> Optimizers()
    {
        yield return new TestCaseData((Func<Optimizer>)(() => new Adam(0.1))).SetArgDisplayNames("Adam");
        yield return new TestCaseData((Func<Optimizer>)(() => new Adam(0.1, amsgrad: true))).SetArgDisplayNames("AMSGrad");
        yield return new TestCaseData((Func<Optimizer>)(() => new SGD(0.05, momentum: 0.9))).SetArgDisplayNames("Momentum");
        yield return new TestCaseData((Func<Optimizer>)(() => new RMSProp(0.05, momentum: 0.5))).SetArgDisplayNames("RMSProp");
        yield return new TestCaseData((Func<Optimizer>)(() => new Adagrad(0.2))).SetArgDisplayNames("Adagrad");
        yield return new TestCaseData((Func<Optimizer>)(() => new SGD(new ExponentialDecay(0.1, 1, 0.5)))).SetArgDisplayNames("Schedule");
    }

    private static readonly float[] Target = [1f, -2f, 3f];

    private static Tensor Loss(Tensor w) => Ops.ReduceSum(Ops.Square(Ops.Subtract(w, Tensor.From(Target))));

    [TestCaseSource(nameof(Optimizers))]
    public void TwoSessionsOfOneGraphKeepTheirOwnSlotsAndStepCounts(Func<Optimizer> make)
    {
        // The reference: the same optimizer eagerly, three steps.
        var eagerW = new Variable(Tensor.Zeros(new Shape(3)), name: "w");
        var eagerOpt = make();
        var reference = new List<float[]>();
        for (int i = 0; i < 3; i++)
        {
            eagerOpt.Minimize(() => Loss(eagerW), [eagerW]);
            reference.Add(Values(eagerW.Value));
        }

        var g = new Graph();
        var opt = make();
        Variable w;
        Operation train, init;
        using (g.AsDefault())
        {
            w = new Variable(Tensor.Zeros(new Shape(3)), name: "w");
            train = opt.Minimize(Loss(w));
            init = Ops.GlobalVariablesInitializer();
            Assert.That(opt.Iterations.Graph, Is.SameAs(g), "in the graph, the step counter is a graph variable");
        }
        Assert.That(opt.Slots.All(s => s.Value.Graph == g && g.Variables.Contains(s.Value)), Is.True, "slots are variables of the graph");

        using var a = new Session(g);
        using var b = new Session(g);
        a.Run(init);
        b.Run(init);
        // Interleaved: shared slots or a shared counter would make the two sessions' steps disturb each other.
        for (int i = 0; i < 3; i++)
        {
            a.Run(train);
            Assert.That(Values(a.Run(w)), Is.EqualTo(reference[i]).Within(1e-5), $"session a, step {i + 1}");
            if (i == 0)
            {
                b.Run(train);
                Assert.That(Values(b.Run(w)), Is.EqualTo(reference[0]).Within(1e-5), "session b, its first step");
            }
        }
        using (a.AsDefault()) Assert.That(opt.Iterations.Value.Item<long>(), Is.EqualTo(3));
        using (b.AsDefault()) Assert.That(opt.Iterations.Value.Item<long>(), Is.EqualTo(1));
        Assert.That(eagerOpt.Iterations.Value.Item<long>(), Is.EqualTo(3), "eagerly the counter is an eager variable");

        a.Run(init);
        a.Run(train);
        Assert.That(Values(a.Run(w)), Is.EqualTo(reference[0]).Within(1e-5), "the initializer resets the slots and the counter too");

        using var fresh = new Session(g);
        var e = Assert.Throws<InvalidOperationException>(() => fresh.Run(train));
        Assert.That(e!.Message, Does.Contain("FailedPrecondition"));
    }

    [Test]
    public void SlotInitializersDoNotDependOnTheControlScopeMinimizeIsCalledIn()
    {
        var g = new Graph();
        Variable w, counter;
        Operation train, init;
        using (g.AsDefault())
        {
            counter = new Variable(Tensor.Scalar(0f), name: "counter", trainable: false);
            w = new Variable(Tensor.Zeros(new Shape(3)), name: "w");
            var bump = Ops.AssignAdd(counter, Tensor.Scalar(1f));
            using (g.ControlDependencies(bump))
            using (g.NameScope("train"))
                train = new Adam(0.1).Minimize(Loss(w), [w]);
            init = Ops.GlobalVariablesInitializer();
        }
        using var s = new Session(g);
        s.Run(init);
        Assert.That(s.Run(counter).Item<float>(), Is.EqualTo(0f), "running the initializer ran no training dependency");
        s.Run(train);
        Assert.That(s.Run(counter).Item<float>(), Is.EqualTo(1f));
        Assert.That(g.Variables.Select(v => v.Name), Does.Contain("w/m").And.Contain("w/v").And.Contain("Adam/iterations"), "slot names are outside the name scopes");
    }

    [Test]
    public void ACheckpointInsideASessionSavesAndRestoresThatSessionsSlots()
    {
        var g = new Graph();
        var model = new Sequential(new Dense(2, kernelInitializer: new GlorotUniform(seed: 1), name: "d"));
        var opt = new Adam(0.1);
        Operation train, init;
        Tensor x;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(-1, 3), name: "x");
            train = opt.Minimize(Ops.ReduceSum(Ops.Square(model.Call(x))));
            init = Ops.GlobalVariablesInitializer();
        }
        var feed = new FeedDict { { x, Tensor.From(new float[,] { { 1, 2, 3 } }) } };
        var path = Path.Combine(Path.GetTempPath(), $"eager-graph-slots-{Guid.NewGuid():N}.ckpt");
        try
        {
            float[] m;
            using (var s = new Session(g))
            {
                s.Run(init);
                s.Run(train, feed);
                s.Run(train, feed);
                m = Values(s.Run(opt.GetSlot(model.TrainableVariables[0], "m")));
                using (s.AsDefault()) new Checkpoint(model, opt).Save(path);
            }
            using var other = new Session(g);
            using (other.AsDefault())
            {
                new Checkpoint(model, opt).Restore(path, strict: true);
                Assert.That(opt.Iterations.Value.Item<long>(), Is.EqualTo(2));
            }
            Assert.That(Values(other.Run(opt.GetSlot(model.TrainableVariables[0], "m"))), Is.EqualTo(m));
        }
        finally { File.Delete(path); }
    }
}
