namespace Eager.Tests.Core;

public class ArrayJoinTests
{
    [Test]
    public void ConcatMatchesReferenceOnEveryAxis()
    {
        for (int axis = -3; axis < 3; axis++)
        {
            int ax = axis < 0 ? axis + 3 : axis;
            var shapes = new[] { new[] { 2, 3, 4 }, new[] { 2, 3, 4 }, new[] { 2, 3, 4 } };
            shapes[1][ax] = 1; shapes[2][ax] = 5;
            var xs = shapes.Select((s, i) => ArrayRef.RandF(10 + i, s)).ToArray();
            var outShape = (int[])shapes[0].Clone(); outShape[ax] = shapes.Sum(s => s[ax]);
            var r = Ops.Concat(xs, axis);
            var want = ArrayRef.Indices(outShape).Select(o =>
            {
                int k = 0, p = o[ax];
                while (p >= shapes[k][ax]) { p -= shapes[k][ax]; k++; }
                var i = (int[])o.Clone(); i[ax] = p;
                return (double)xs[k].ToArray<float>()[ArrayRef.Flat(i, shapes[k])];
            }).ToArray();
            ArrayRef.AssertClose(r, want, outShape);
        }
    }

    [Test]
    public void ConcatHandlesViewsEmptyPartsAndOneInput()
    {
        var a = ArrayRef.RandF(1, 3, 2);
        var t = Ops.Transpose(ArrayRef.RandF(2, 2, 3));           // non-contiguous (3, 2)
        var empty = Tensor.Zeros(new Shape(0, 2));
        var r = Ops.Concat([a, empty, t], 0);
        Assert.That(r.ToArray<float>(), Is.EqualTo(a.ToArray<float>().Concat(t.ToArray<float>()).ToArray()));
        var one = Ops.Concat([a], 1);
        Assert.That(one.ToArray<float>(), Is.EqualTo(a.ToArray<float>()));
        Assert.That(one, Is.Not.SameAs(a));
        var ints = Ops.Concat([Tensor.From(new[] { 1, 2 }), Tensor.From(new[] { 3 })]);
        Assert.That(ints.ToArray<int>(), Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public void ConcatErrorsNameTheShapes()
    {
        var a = Tensor.Zeros(new Shape(2, 3));
        ArrayRef.Throws(() => Ops.Concat([a, Tensor.Zeros(new Shape(3, 3))], 1), "Concat", "(3, 3)", "(2, 3)", "axis 1");
        ArrayRef.Throws(() => Ops.Concat([a, Tensor.Zeros(new Shape(3))], 0), "Concat", "(3,)", "ranks");
        ArrayRef.Throws(() => Ops.Concat([a, Tensor.Zeros(new Shape(2, 3), DType.Float64)], 0), "Concat", "float64", "float32");
        ArrayRef.Throws(() => Ops.Concat([a], 2), "Concat", "axis 2");
        ArrayRef.Throws(() => Ops.Concat([], 0), "Concat");
        ArrayRef.Throws(() => Ops.Concat([Tensor.Scalar(1f)], 0), "Concat", "scalar");
    }

    [Test]
    public void StackMatchesReference()
    {
        var xs = Enumerable.Range(0, 3).Select(i => ArrayRef.RandF(20 + i, 2, 5)).ToArray();
        for (int axis = -3; axis < 3; axis++)
        {
            int ax = axis < 0 ? axis + 3 : axis;
            var r = Ops.Stack(xs, axis);
            var outShape = new List<int> { 2, 5 }; outShape.Insert(ax, 3);
            var want = ArrayRef.Indices([.. outShape]).Select(o =>
            {
                var i = o.ToList(); int k = i[ax]; i.RemoveAt(ax);
                return (double)xs[k].ToArray<float>()[ArrayRef.Flat([.. i], [2, 5])];
            }).ToArray();
            ArrayRef.AssertClose(r, want, [.. outShape]);
        }
        Assert.That(Ops.Stack([Tensor.Scalar(1f), Tensor.Scalar(2f)]).ToArray<float>(), Is.EqualTo(new[] { 1f, 2f }));
        ArrayRef.Throws(() => Ops.Stack([xs[0], Tensor.Zeros(new Shape(5, 2))]), "Stack", "(5, 2)", "(2, 5)");
        ArrayRef.Throws(() => Ops.Stack(xs, 3), "Stack", "axis 3");
        ArrayRef.Throws(() => Ops.Stack([]), "Stack");
    }

    [Test]
    public void UnstackGivesViews()
    {
        var x = ArrayRef.RandF(3, 2, 3);
        var parts = Ops.Unstack(x, 1);
        Assert.That(parts, Has.Length.EqualTo(3));
        var xs = x.ToArray<float>();
        for (int k = 0; k < 3; k++)
        {
            Assert.That(parts[k].ToArray<float>(), Is.EqualTo(new[] { xs[k], xs[3 + k] }));
            Assert.That(parts[k].Storage, Is.SameAs(x.Storage));
        }
        Assert.That(Ops.Stack(parts, 1).ToArray<float>(), Is.EqualTo(xs));
        Assert.That(Ops.Unstack(Tensor.Zeros(new Shape(0, 2))), Is.Empty);
        ArrayRef.Throws(() => Ops.Unstack(Tensor.Scalar(1f)), "Unstack", "scalar");
    }

    [Test]
    public void SplitEquallyAndBySizes()
    {
        var x = ArrayRef.RandF(4, 3, 7);
        var xs = x.ToArray<float>();
        var parts = Ops.Split(x, [2, -1, 0, 1], axis: 1);
        Assert.That(parts.Select(p => p.Shape), Is.EqualTo(new[] { new Shape(3, 2), new Shape(3, 4), new Shape(3, 0), new Shape(3, 1) }));
        Assert.That(Ops.Concat(parts, 1).ToArray<float>(), Is.EqualTo(xs));
        Assert.That(parts[1].Storage, Is.SameAs(x.Storage));
        Assert.That(parts[1].ToArray<float>()[..4], Is.EqualTo(xs[2..6]));
        var rows = Ops.Split(x, 3);
        Assert.That(rows.Select(r => r.ToArray<float>()), Is.EqualTo(new[] { xs[..7], xs[7..14], xs[14..] }));
        ArrayRef.Throws(() => Ops.Split(x, 2, axis: 1), "Split", "(3, 7)", "2 equal");
        ArrayRef.Throws(() => Ops.Split(x, [2, 2], axis: 1), "Split", "add up to 4", "(3, 7)");
        ArrayRef.Throws(() => Ops.Split(x, [-1, -1], axis: 1), "Split");
        ArrayRef.Throws(() => Ops.Split(x, [9, -1], axis: 1), "Split", "more than");
        ArrayRef.Throws(() => Ops.Split(x, 0), "Split");
    }

    [Test]
    public void JoinsInferUnknownDimsInAGraph()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var a = ArrayRef.Symbolic(g, new Shape(-1, 3));
            var b = ArrayRef.Symbolic(g, new Shape(2, -1));
            Assert.That(Ops.Concat([a, b], 0).Shape, Is.EqualTo(new Shape(-1, 3)));
            Assert.That(Ops.Concat([a, b], 1).Shape, Is.EqualTo(new Shape(2, -1)));
            Assert.That(Ops.Stack([a, b], 0).Shape, Is.EqualTo(new Shape(2, 2, 3)));
            Assert.That(Ops.Split(a, 3, axis: 1)[0].Shape, Is.EqualTo(new Shape(-1, 1)));
            Assert.That(Ops.Split(a, 2, axis: 0)[1].Shape, Is.EqualTo(new Shape(-1, 3)));
            Assert.That(Ops.Unstack(a, 1), Has.Length.EqualTo(3));
            ArrayRef.Throws(() => Ops.Unstack(a, 0), "Unstack", "unknown");
            ArrayRef.Throws(() => Ops.Concat([a, ArrayRef.Symbolic(g, new Shape(-1, 4))], 0), "Concat", "(None, 4)", "(None, 3)");
        }
    }
}
