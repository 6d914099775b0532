namespace Eager.Tests.Core.Functions;

public class FunctionStateTests
{
    [Test]
    public void ATrainingStepWithATapeUpdatesCapturedVariablesInPlace()
    {
        var w = new Variable(Tensor.Zeros(new Shape(2, 1)), name: "w");
        var xs = Tensor.From(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } });
        var ys = Tensor.From(new float[,] { { 2 }, { -1 }, { 1 } });
        var step = Function.Create((Tensor x, Tensor y) =>
        {
            using var tape = new GradientTape();
            var err = Ops.MatMul(x, w) - y;
            var loss = Ops.ReduceSum(err * err) / 3f;
            var grad = tape.Gradient(loss, w)!;
            w.AssignSub(grad * 0.2f);
            return loss;
        });
        float first = step.Invoke(xs, ys).Item<float>(), last = first;
        for (int i = 0; i < 200; i++) last = step.Invoke(xs, ys).Item<float>();
        Assert.That(step.TraceCount, Is.EqualTo(1));
        Assert.That(first, Is.GreaterThan(1f));
        Assert.That(last, Is.LessThan(1e-4f));
        var wv = w.Value.ToArray<float>();
        Assert.That(wv[0], Is.EqualTo(2f).Within(0.01f));
        Assert.That(wv[1], Is.EqualTo(-1f).Within(0.01f));
        GraphVerifier.Verify(step.ConcreteFunctions[0].Graph);
    }

    [Test]
    public void StatefulOpsKeepProgramOrder()
    {
        var v = new Variable(Tensor.Scalar(1f), name: "v");
        var f = Function.Create((Tensor x) =>
        {
            var before = v.Read();
            v.Assign(x);
            var middle = v.Read();
            v.AssignAdd(Tensor.Scalar(10f));
            var after = v.Read();
            return before * 10000f + middle * 100f + after;
        });
        // before = 1, middle = 2, after = 12.
        Assert.That(f.Invoke(Tensor.Scalar(2f)).Item<float>(), Is.EqualTo(10000f + 200f + 12f));
        // The state carried over: before = 12.
        Assert.That(f.Invoke(Tensor.Scalar(3f)).Item<float>(), Is.EqualTo(120000f + 300f + 13f));
        var graph = f.ConcreteFunctions[0].Graph;
        var stateful = graph.Nodes.Where(n => n.Op.IsStateful).ToList();
        for (int i = 1; i < stateful.Count; i++) Assert.That(stateful[i].ControlInputs, Does.Contain(stateful[i - 1]));
    }

    [Test]
    public void AnUnusedAssignmentStillRuns()
    {
        var counter = new Variable(Tensor.Scalar(0f), name: "calls", trainable: false);
        var f = Function.Create((Tensor x) =>
        {
            counter.AssignAdd(Tensor.Scalar(1f));
            return x * 2f;
        });
        for (int i = 0; i < 3; i++) f.Invoke(Tensor.Scalar(1f));
        Assert.That(counter.Value.Item<float>(), Is.EqualTo(3f));
    }

    [Test]
    public void VariablesCreatedWhileTracingAreEager()
    {
        Variable? made = null;
        var f = Function.Create((Tensor x) =>
        {
            made ??= new Variable(Tensor.Ones(new Shape(2)), name: "made");
            made.AssignAdd(x);
            return made.Read();
        });
        Assert.That(f.Invoke(Tensor.Ones(new Shape(2))).ToArray<float>(), Is.EqualTo(new[] { 2f, 2f }));
        Assert.That(f.Invoke(Tensor.Ones(new Shape(2))).ToArray<float>(), Is.EqualTo(new[] { 3f, 3f }));
        Assert.That(made!.Graph, Is.Null);
    }
}
