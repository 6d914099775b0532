namespace Eager.Tests.Core;

/// <summary>TensorFlow 1's call shapes: 4-element ksize/strides, placeholders without a shape, queues without shapes.</summary>
[TestFixture]
public class Tf1CallShapeTests
{
    [Test]
    public void FourElementKsizeAndStridesPoolLikeTheirPairs()
    {
        var x = Tensor.RandomNormal(new Shape(2, 6, 6, 3), seed: 1);
        var tf = Ops.MaxPool(x, ksize: [1, 2, 2, 1], strides: [1, 2, 2, 1], padding: "SAME");
        Assert.That(tf.ToArray<float>(), Is.EqualTo(Ops.MaxPool2D(x, 2, 2, "SAME").ToArray<float>()));
        var avg = Ops.AvgPool(x, [1, 3, 2, 1], [1, 1, 2, 1], "VALID");
        Assert.That(avg.ToArray<float>(), Is.EqualTo(Ops.AvgPool2D(x, (3, 2), (1, 2), "VALID").ToArray<float>()));
        Assert.That(Ops.MaxPool2D(x, new[] { 1, 2, 2, 1 }, new[] { 1, 2, 2, 1 }).Shape, Is.EqualTo(new Shape(2, 3, 3, 3)), "int[] converts to Size2");
        var f = Tensor.RandomNormal(new Shape(3, 3, 3, 4), seed: 2);
        Assert.That(Ops.Conv2D(x, f, strides: new[] { 1, 1, 1, 1 }, padding: "SAME").ToArray<float>(),
            Is.EqualTo(Ops.Conv2D(x, f, strides: 1, padding: "SAME").ToArray<float>()));

        var e = Assert.Throws<ArgumentException>(() => Ops.MaxPool(x, [2, 2, 2, 1], [1, 2, 2, 1], "SAME"));
        Assert.That(e!.Message, Does.Contain("MaxPool").And.Contain("ksize").And.Contain("batch and channel"));
        e = Assert.Throws<ArgumentException>(() => Ops.AvgPool(x, [1, 2, 2, 1], [1, 2, 2, 3], "SAME"));
        Assert.That(e!.Message, Does.Contain("strides"));
        Assert.Throws<ArgumentException>(() => Ops.MaxPool(x, [1, 2, 2], [1, 2, 2, 1], "SAME"));
    }

    [Test]
    public void PlaceholdersWithoutAShapeTakeAnyRank()
    {
        var g = new Graph();
        Tensor a, b, sum, doubled, total;
        using (g.AsDefault())
        {
            a = Ops.Placeholder(DType.Float32, name: "a");
            b = Ops.Placeholder(DType.Float32, name: "b");
            sum = a + b;
            doubled = sum * 2f;
            total = Ops.Square(doubled) - 1f;
        }
        Assert.That(a.Shape.IsUnknownRank && sum.Shape.IsUnknownRank, Is.True);
        Assert.That(sum.DType, Is.EqualTo(DType.Float32));
        Assert.That(a.Shape.ToString(), Is.EqualTo("<unknown>"));
        using var s = new Session(g);
        Assert.That(s.Run(sum, new FeedDict { { a, Tensor.Scalar(3f) }, { b, Tensor.Scalar(4.5f) } }).Item<float>(), Is.EqualTo(7.5f));
        Assert.That(s.Run(doubled, new FeedDict { { a, Tensor.From(new[] { 1f, 3f }) }, { b, Tensor.From(new[] { 2f, 4f }) } }).ToArray<float>(),
            Is.EqualTo(new[] { 6f, 14f }));
        var m = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } });
        Assert.That(s.Run(total, new FeedDict { { a, m }, { b, Tensor.Scalar(1f) } }).ToArray<float>(), Is.EqualTo(new[] { 15f, 35f, 63f, 99f }));
        Tensor all;
        using (g.AsDefault()) all = Ops.ReduceSum(a);
        Assert.That(s.Run(all, new FeedDict { { a, m } }).Item<float>(), Is.EqualTo(10f), "a reduction over all the axes the feed has");

        var path = Path.Combine(Path.GetTempPath(), $"eager-unknown-rank-{Guid.NewGuid():N}.eagergraph");
        try
        {
            g.Save(path);
            Assert.That(Graph.Load(path).FindNode("a")!.Outputs[0].Shape.IsUnknownRank, Is.True, "graph files keep an unknown rank");
        }
        finally { File.Delete(path); }

        using (g.AsDefault())
        {
            var mm = Ops.MatMul(a, a);
            Assert.That(mm.Shape.IsUnknownRank, Is.True);
            var e = Assert.Throws<ArgumentException>(() => s.Run(mm, new FeedDict { { a, Tensor.From(new[] { 1f }) } }));
            Assert.That(e!.Message, Does.Contain("MatMul"));
        }
    }

    [Test]
    public void AQueueWithoutShapesDequeuesInAGraphWithTheShapesOfItsFirstEnqueue()
    {
        var q = new FIFOQueue(capacity: 4, [DType.Float32, DType.Int32], shapes: null, name: "q");
        var g = new Graph();
        Tensor[] item;
        Tensor x;
        Operation enqueue;
        using (g.AsDefault())
        {
            x = Ops.Placeholder(DType.Float32, new Shape(3), name: "x");
            enqueue = q.EnqueueOp(x, Ops.Constant(Tensor.Scalar(7)));
            item = q.DequeueOp();
        }
        Assert.That(item[0].Shape, Is.EqualTo(new Shape(3)));
        Assert.That(item[1].Shape, Is.EqualTo(Shape.Scalar));
        using var s = new Session(g);
        s.Run(enqueue, new FeedDict { { x, Tensor.From(new[] { 1f, 2f, 3f }) } });
        var got = s.Run(item);
        Assert.That(got[0].ToArray<float>(), Is.EqualTo(new[] { 1f, 2f, 3f }));
        Assert.That(got[1].Item<int>(), Is.EqualTo(7));

        var fresh = new FIFOQueue(capacity: 2, [DType.Float32], shapes: null, name: "fresh");
        using (new Graph().AsDefault())
        {
            var e = Assert.Throws<ArgumentException>(() => fresh.DequeueOp());
            Assert.That(e!.Message, Does.Contain("nothing was enqueued").And.Contain("fresh"));
        }
        fresh.Enqueue(Tensor.Zeros(new Shape(2, 2)));
        using (new Graph().AsDefault())
            Assert.That(fresh.DequeueManyOp(1)[0].Shape, Is.EqualTo(new Shape(1, 2, 2)), "an eager enqueue counts as the first");
    }
}
