using Eager.Distributed;
using Eager.NN;

namespace Eager.Tests.Distributed;

/// <summary>Without mpirun the process is a job of one rank: every collective returns its input and the distributed
/// optimizer is the wrapped one, so a training script runs alone unchanged (libmpi is never loaded).</summary>
public class SingleProcessTests
{
    [Test]
    public void WorldIsOneRankWhenNotLaunchedByMpirun()
    {
        Assume.That(Communicator.IsLaunched, Is.False, "the test host itself runs under mpirun");
        var world = Communicator.World;
        Assert.That((world.Rank, world.Size, world.IsRoot), Is.EqualTo((0, 1, true)));
        world.Barrier();
    }

    [Test]
    public void CollectivesReturnTheirInputOnOneRank()
    {
        var world = Communicator.World;
        var x = Tensor.From(new[] { 1.5f, -2f, 3f }, new Shape(3, 1));
        foreach (var op in new[] { ReduceOp.Sum, ReduceOp.Mean, ReduceOp.Max })
            Assert.That(world.AllReduce(x, op).ToArray<float>(), Is.EqualTo(x.ToArray<float>()));
        Assert.That(world.AllReduce(Tensor.From(new long[] { 5, 7 })).ToArray<long>(), Is.EqualTo(new long[] { 5, 7 }));
        Assert.That(world.Broadcast(x).ToArray<float>(), Is.EqualTo(x.ToArray<float>()));
        Assert.That(world.AllGather(x).Shape, Is.EqualTo(new Shape(3, 1)));
        Assert.That(world.AllGather(Tensor.Scalar(4.0)).Shape, Is.EqualTo(new Shape(1)));
        Assert.That(world.ReduceScatter(x).ToArray<float>(), Is.EqualTo(x.ToArray<float>()));
        var buffer = Tensor.From(new[] { 1, 2, 3 });
        world.AllReduceInPlace(buffer, ReduceOp.Mean);
        Assert.That(buffer.ToArray<int>(), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.Throws<ArgumentException>(() => world.AllReduceInPlace(Ops.Transpose(Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } }))));
    }

    [Test]
    public void BadArgumentsAreRejectedAtTheCall()
    {
        var world = Communicator.World;
        Assert.That(Assert.Throws<ArgumentException>(() => world.AllReduce(Tensor.From(new[] { true })))!.Message, Does.Contain("MpiAllReduce").And.Contain("bool"));
        Assert.That(Assert.Throws<ArgumentException>(() => world.ReduceScatter(Tensor.Scalar(1f)))!.Message, Does.Contain("scalar"));
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Broadcast(Tensor.Scalar(1f), root: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedOptimizer(new SGD(), bucketBytes: 0));
    }

    [Test]
    public void CollectivesTraceIntoGraphsAsStatefulNodes()
    {
        var world = Communicator.World;
        var f = Function.Create((Tensor a) => world.AllReduce(a * 2f, ReduceOp.Mean));
        Assert.That(f.Invoke(Tensor.From(new[] { 1f, 2f })).ToArray<float>(), Is.EqualTo(new[] { 2f, 4f }));
        var g = new Graph();
        using (g.AsDefault())
        {
            var p = Ops.Placeholder(DType.Float32, new Shape(-1), name: "p");
            var y = world.AllReduce(p);
            Assert.That(y.Node!.Op.Name, Is.EqualTo(DistributedOps.AllReduceName));
            Assert.That(OpRegistry.Get(DistributedOps.AllReduceName).IsStateful, Is.True);
            using var s = new Session(g);
            Assert.That(s.Run(y, new FeedDict { { p, Tensor.From(new[] { 3f }) } }).ToArray<float>(), Is.EqualTo(new[] { 3f }));
        }
    }

    [Test]
    public void DistributedOptimizerOnOneRankIsTheWrappedOptimizer()
    {
        static Sequential Model()
        {
            Initializer.SetGlobalSeed(11);
            var m = new Sequential(new Dense(4, activation: Ops.Relu), new Dense(2));
            m.Build(new Shape(-1, 3));
            return m;
        }
        try
        {
            var a = Model();
            var b = Model();
            var x = Tensor.RandomNormal(new Shape(5, 3), seed: 2);
            var plain = new SGD(0.1, momentum: 0.9);
            var distributed = new DistributedOptimizer(new SGD(0.1, momentum: 0.9));
            for (int i = 0; i < 3; i++)
            {
                plain.Minimize(() => Ops.ReduceMean(Ops.Square(a.Call(x))), a.TrainableVariables);
                distributed.Minimize(() => Ops.ReduceMean(Ops.Square(b.Call(x))), b.TrainableVariables);
            }
            for (int i = 0; i < a.TrainableVariables.Count; i++)
                Assert.That(b.TrainableVariables[i].Value.ToArray<float>(), Is.EqualTo(a.TrainableVariables[i].Value.ToArray<float>()));
            Assert.That(distributed.Average([null, x], [a.TrainableVariables[0], a.TrainableVariables[1]]), Is.EqualTo(new Tensor?[] { null, x }));
        }
        finally { Initializer.SetGlobalSeed(null); }
    }

    [Test]
    public void AMissingLibmpiIsAClearErrorNamingTheInstallStep()
    {
        var e = Assert.Throws<DllNotFoundException>(() => Eager.Distributed.Native.OpenMpi.Load("libmpi-not-installed.so.40"))!;
        Assert.That(e.Message, Does.Contain("libmpi-not-installed.so.40").And.Contain("openmpi-bin").And.Contain("setup.sh"));
    }

    [Test]
    public void StartAndWaitOpsFuseABucketAndSplitItBack()
    {
        var a = Tensor.From(new[] { 1f, 2f, 3f });
        var b = Tensor.From(new float[,] { { 4, 5 }, { 6, 7 } });
        Tensor[] Run(Tensor x, Tensor y)
        {
            var handle = Dispatcher.Apply1(DistributedOps.AllReduceStart, new Attrs { { "reduction", "mean" } }, x, y);
            return Dispatcher.Apply(DistributedOps.AllReduceWait, [handle], DistributedOps.WaitAttrs([x, y]));
        }
        var eager = Run(a, b);
        Assert.That((eager[0].Shape, eager[1].Shape), Is.EqualTo((a.Shape, b.Shape)));
        Assert.That(eager[1].ToArray<float>(), Is.EqualTo(b.ToArray<float>()));
        var traced = Function.Create((Tensor[] t) => Run(t[0], t[1])).InvokeAll(a, b);
        Assert.That(traced[0].ToArray<float>(), Is.EqualTo(a.ToArray<float>()));
        var handle = Dispatcher.Apply1(DistributedOps.AllReduceStart, new Attrs { { "reduction", "sum" } }, a);
        var e = Assert.Throws<InvalidOperationException>(() => Dispatcher.Apply(DistributedOps.AllReduceWait, [handle], DistributedOps.WaitAttrs([b])))!;
        Assert.That(e.Message, Does.Contain("3 float32 elements"));
        Assert.Throws<ArgumentException>(() => Dispatcher.Apply1(DistributedOps.AllReduceStart, new Attrs { { "reduction", "sum" } }, a, Tensor.From(new[] { 1.0 })));
    }
}
