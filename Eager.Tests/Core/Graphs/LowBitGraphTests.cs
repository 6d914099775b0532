namespace Eager.Tests.Core.Graphs;

/// <summary>The narrow dtypes through tracing, Session, graph files and checkpoints.</summary>
public class LowBitGraphTests
{
    private static readonly DType[] Narrow = [DType.Float16, DType.BFloat16, DType.Int8, DType.UInt8];

    [Test]
    public void TracedFunctionsKeepTheDType([ValueSource(nameof(Narrow))] DType dtype)
    {
        var c = Ops.Cast(Tensor.From(new[] { 1f, -2f, 3f }), dtype);
        var f = Function.Create((Tensor x) => Ops.Maximum(x + c, Ops.Cast(Tensor.Scalar(0f), dtype)));
        var x = Ops.Cast(Tensor.From(new[] { 0.5f, 1f, -7f }), dtype);
        var traced = f.Invoke(x);
        var eager = Ops.Maximum(x + c, Ops.Cast(Tensor.Scalar(0f), dtype));
        Assert.That(traced.DType, Is.EqualTo(dtype));
        Assert.That(traced.ToDoubleArray(), Is.EqualTo(eager.ToDoubleArray()));

        var path = Path.Combine(Path.GetTempPath(), $"eager-lowbit-{Guid.NewGuid():N}.eagergraph");
        try
        {
            var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1), dtype));
            cf.Save(path);
            var back = ConcreteFunction.Load(path);
            Assert.That(back.Invoke(x).DType, Is.EqualTo(dtype));
            Assert.That(back.Invoke(x).ToDoubleArray(), Is.EqualTo(eager.ToDoubleArray()));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void SessionRunsHalfPrecisionGraphs()
    {
        var g = new Graph();
        var init = Ops.Cast(Tensor.From(new[,] { { 1f }, { 2f }, { 3f } }), DType.BFloat16);
        var feed = Ops.Cast(Tensor.From(new[,] { { 1f, 1f, 1f }, { -1f, 0.5f, 0.25f } }), DType.BFloat16);
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.BFloat16, new Shape(-1, 3), name: "x");
            var w = new Variable(init, name: "w");
            var y = Ops.ReduceSum(Ops.Relu(Ops.MatMul(x, w)));
            using var sess = new Session(g);
            sess.Run(Ops.GlobalVariablesInitializer());
            var r = sess.Run(y, new FeedDict { { x, feed } });
            Assert.That(r.DType, Is.EqualTo(DType.BFloat16));
            Assert.That((float)r.Item<BFloat16>(), Is.EqualTo(6.75f));
        }
    }

    [Test]
    public void VariablesOfNarrowDTypesUpdate()
    {
        var v = new Variable(Tensor.Zeros(new Shape(2), DType.Float16), name: "h");
        v.AssignAdd(Ops.Cast(Tensor.From(new[] { 1.5f, -2f }), DType.Float16));
        Assert.That(v.Value.DType, Is.EqualTo(DType.Float16));
        Assert.That(v.Value.ToDoubleArray(), Is.EqualTo(new[] { 1.5, -2 }));
        var b = new Variable(Tensor.Full(new Shape(1), 250, DType.UInt8), name: "b");
        b.AssignAdd(Tensor.Full(new Shape(1), 10, DType.UInt8));
        Assert.That(b.Value.ToArray<byte>(), Is.EqualTo(new byte[] { 255 }), "uint8 arithmetic saturates");
    }

    [Test]
    public void CheckpointsKeepTheDType()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eager-lowbit-{Guid.NewGuid():N}.ckpt");
        try
        {
            var tensors = Narrow.Select(d => new KeyValuePair<string, Tensor>(d.Name(), Ops.Cast(Tensor.From(new[] { -1.5f, 0.1f, 300f }), d))).ToList();
            Eager.NN.TensorFile.Write(path, tensors);
            var back = Eager.NN.TensorFile.Read(path);
            for (int i = 0; i < tensors.Count; i++)
            {
                Assert.That(back[i].Value.DType, Is.EqualTo(tensors[i].Value.DType));
                Assert.That(back[i].Value.ToDoubleArray(), Is.EqualTo(tensors[i].Value.ToDoubleArray()));
            }
        }
        finally { File.Delete(path); }
    }
}
