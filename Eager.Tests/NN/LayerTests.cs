using Eager.NN;

namespace Eager.Tests.NN;

public class LayerTests
{
    private sealed class TwoLayer : Layer
    {
        private readonly Dense hidden = new(4);
        private readonly Dense output = new(2, name: "head");
        private readonly Variable scale = new(Tensor.Scalar(2.0), name: "scale");

        protected override Tensor Forward(Tensor x, bool training) => output.Call(hidden.Call(x, training), training) * scale;
    }

    private sealed class WithLayerList : Layer
    {
        private readonly List<Layer> blocks = [new Dense(3), new Dense(3)];

        protected override Tensor Forward(Tensor x, bool training)
        {
            foreach (var b in blocks) x = b.Call(x, training);
            return x;
        }
    }

    private sealed class Tied : Layer
    {
        public readonly Dense Shared = new(3);
        public Layer? Self, Parent;

        protected override Tensor Forward(Tensor x, bool training) => Shared.Call(Shared.Call(x));
    }

    [Test]
    public void SharedAndCyclicReferencesAreListedOnce()
    {
        var m = new Tied();
        var outer = new Sequential(m, new Activation("linear"));
        m.Self = m;
        m.Parent = outer;
        outer.Call(TestTensors.Randn(1, 2, 3));
        var other = new Sequential(m.Shared);
        Assert.That(outer.NamedVariables().Select(kv => kv.Key), Is.EqualTo(new[] { "tied/Shared/kernel", "tied/Shared/bias" }));
        Assert.That(outer.TrainableVariables, Has.Count.EqualTo(2));
        Assert.That(outer.Name, Is.EqualTo("sequential"), "a field pointing back up does not rename the parent");
        Assert.That(other.Layers[0].Name, Is.EqualTo("Shared"), "the first owner names a shared layer");
    }

    [Test]
    public void DenseBuildsLazilyFromTheFirstInput()
    {
        var d = new Dense(3);
        Assert.That(d.Built, Is.False);
        Assert.That(d.Variables, Is.Empty);
        var y = d.Call(TestTensors.Randn(1, 5, 4));
        Assert.That(y.Shape, Is.EqualTo(new Shape(5, 3)));
        Assert.That(d.Built, Is.True);
        Assert.That(d.Kernel!.Shape, Is.EqualTo(new Shape(4, 3)));
        Assert.That(d.Bias!.Shape, Is.EqualTo(new Shape(3)));
        Assert.That(d.Kernel.DType, Is.EqualTo(DType.Float64), "weights follow the input's floating dtype");
        Assert.That(d.CountParams(), Is.EqualTo(15));
    }

    [Test]
    public void DenseComputesXTimesKernelPlusBias()
    {
        var d = new Dense(2, kernelInitializer: new Constant(0.5), biasInitializer: new Constant(1));
        var x = Tensor.From(new float[,] { { 1, 2, 3 } });
        Assert.That(d.Call(x).ToArray<float>(), Is.EqualTo(new[] { 4f, 4f }));
    }

    [Test]
    public void DenseKeepsLeadingDimensions()
    {
        var d = new Dense(5, useBias: false);
        var y = d.Call(TestTensors.Randn(2, 2, 3, 4));
        Assert.That(y.Shape, Is.EqualTo(new Shape(2, 3, 5)));
        Assert.That(d.Bias, Is.Null);
        Assert.That(d.Variables, Has.Count.EqualTo(1));
    }

    [Test]
    public void DenseRejectsAnInputOfAnotherWidthAfterBuilding()
    {
        var d = new Dense(2);
        d.Call(TestTensors.Randn(1, 3, 4));
        var ex = Assert.Throws<ArgumentException>(() => d.Call(TestTensors.Randn(1, 3, 5)));
        Assert.That(ex!.Message, Does.Contain("(3, 4)").And.Contain("(3, 5)"));
        Assert.That(d.Call(TestTensors.Randn(1, 7, 4)).Shape, Is.EqualTo(new Shape(7, 2)), "the batch may change");
    }

    [Test]
    public void DenseRejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(0));
        Assert.Throws<ArgumentException>(() => new Dense(2).Call(TestTensors.Randn(1, 4)));
        Assert.Throws<ArgumentException>(() => new Dense(2, name: "a/b"));
    }

    [Test]
    public void SequentialNamesLayersUniquelyAndOrdersVariables()
    {
        var m = new Sequential(new Dense(4), new Dense(3), new Dense(2, name: "out"));
        m.Call(TestTensors.Randn(1, 2, 5));
        Assert.That(m.Layers.Select(l => l.Name), Is.EqualTo(new[] { "dense", "dense_1", "out" }));
        Assert.That(m.NamedVariables().Select(kv => kv.Key), Is.EqualTo(new[]
        {
            "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias", "out/kernel", "out/bias",
        }));
        Assert.That(m.TrainableVariables, Has.Count.EqualTo(6));
        Assert.That(m["out"], Is.SameAs(m.Layers[2]));
        Assert.Throws<KeyNotFoundException>(() => _ = m["nope"]);
        Assert.Throws<InvalidOperationException>(() => m.Add(new Dense(1)));
    }

    [Test]
    public void ExplicitDuplicateNamesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new Sequential(new Dense(2, name: "x"), new Dense(2, name: "x")));
    }

    [Test]
    public void UserSubclassesTrackFieldsByName()
    {
        var m = new TwoLayer();
        var y = m.Call(TestTensors.Randn(3, 2, 5));
        Assert.That(y.Shape, Is.EqualTo(new Shape(2, 2)));
        Assert.That(m.NamedVariables().Select(kv => kv.Key), Is.EquivalentTo(new[]
        {
            "scale", "hidden/kernel", "hidden/bias", "head/kernel", "head/bias",
        }));
        Assert.That(m.Name, Is.EqualTo("two_layer"));
    }

    [Test]
    public void ListsOfLayersInFieldsAreTracked()
    {
        var m = new WithLayerList();
        m.Call(TestTensors.Randn(4, 1, 3));
        Assert.That(m.Layers.Select(l => l.Name), Is.EqualTo(new[] { "blocks_0", "blocks_1" }));
        Assert.That(m.Variables, Has.Count.EqualTo(4));
    }

    [Test]
    public void FrozenLayersLeaveTrainableVariables()
    {
        var first = new Dense(3);
        var m = new Sequential(first, new Dense(2));
        m.Call(TestTensors.Randn(5, 1, 3));
        first.Trainable = false;
        Assert.That(m.TrainableVariables, Has.Count.EqualTo(2));
        Assert.That(m.NonTrainableVariables, Has.Count.EqualTo(2));
        Assert.That(m.Variables, Has.Count.EqualTo(4));
    }

    [Test]
    public void BuildTracesShapesWithoutComputing()
    {
        var m = new Sequential(new Dense(8), new Dense(3));
        m.Build(new Shape(-1, 4));
        Assert.That(m.Built, Is.True);
        Assert.That(m.Variables.All(v => v.IsInitialized && v.Graph is null), Is.True, "weights are eager even when built by tracing");
        Assert.That(m.Layers[1].OutputShape, Is.EqualTo(new Shape(-1, 3)));
        Assert.That(m.ComputeOutputShape(new Shape(7, 4)), Is.EqualTo(new Shape(7, 3)));
        var text = m.Summary(TextWriter.Null);
        Assert.That(text, Does.Contain("dense (Dense)").And.Contain("(None, 8)").And.Contain("dense_1 (Dense)").And.Contain("Total params: 67"));
    }

    [Test]
    public void SummaryBeforeBuildingThrows()
    {
        Assert.Throws<InvalidOperationException>(() => new Sequential(new Dense(2)).Summary(TextWriter.Null));
    }

    [Test]
    public void SnakeCaseNamesFollowKeras()
    {
        Assert.That(Layer.SnakeCase("GlobalAveragePooling2D"), Is.EqualTo("global_average_pooling2d"));
        Assert.That(Layer.SnakeCase("Conv2DTranspose"), Is.EqualTo("conv2d_transpose"));
        Assert.That(Layer.SnakeCase("BatchNormalization"), Is.EqualTo("batch_normalization"));
        Assert.That(Layer.SnakeCase("Dense"), Is.EqualTo("dense"));
    }

    [Test]
    public void LayersBuiltInATf1GraphMakeGraphVariables()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var x = Ops.Placeholder(DType.Float32, new Shape(-1, 3), name: "x");
            var d = new Dense(2);
            var y = d.Call(x);
            Assert.That(y.Shape, Is.EqualTo(new Shape(-1, 2)));
            Assert.That(d.Kernel!.Graph, Is.SameAs(g));
            Assert.That(g.Nodes.Any(n => n.Name.StartsWith("dense/", StringComparison.Ordinal)), Is.True, "ops are named in the layer's scope");
        }
    }
}
