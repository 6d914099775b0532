namespace Eager.Tests.Core.Autodiff;

public class VariableTests
{
    private static Variable Make(string name = "w", bool trainable = true) =>
        new(Tensor.From(new double[,] { { 1 }, { 2 } }), name: name, trainable: trainable);

    private static readonly Tensor A = Tensor.From(new double[,] { { 1, 2 }, { 3, 4 } });

    [Test]
    public void PropertiesDescribeTheVariable()
    {
        var v = Make("weights", trainable: false);
        Assert.That(v.Name, Is.EqualTo("weights"));
        Assert.That(v.Shape, Is.EqualTo(new Shape(2, 1)));
        Assert.That(v.DType, Is.EqualTo(DType.Float64));
        Assert.That(v.Trainable, Is.False);
        Assert.That(v.ToString(), Does.Contain("weights"));
        Assert.That(new Variable(Tensor.Scalar(1f)).Name, Does.StartWith("Variable_"));
    }

    [Test]
    public void TrainableVariablesAreWatchedByThemselves()
    {
        var w = Make();
        using var tape = new GradientTape();
        var loss = Ops.ReduceSum(Ops.MatMul(A, w));
        Assert.That(tape.Gradient(loss, w)!.ToArray<double>(), Is.EqualTo(new[] { 4.0, 6.0 }));
        Assert.That(tape.WatchedVariables, Is.EqualTo(new[] { w }));
    }

    [Test]
    public void NonTrainableVariablesNeedAnExplicitWatch()
    {
        var w = Make(trainable: false);
        using (var tape = new GradientTape())
        {
            var loss = Ops.ReduceSum(Ops.MatMul(A, w));
            Assert.That(tape.Gradient(loss, w), Is.Null);
        }
        using (var tape = new GradientTape())
        {
            tape.Watch(w);
            var loss = Ops.ReduceSum(Ops.MatMul(A, w));
            Assert.That(tape.Gradient(loss, w)!.ToArray<double>(), Is.EqualTo(new[] { 4.0, 6.0 }));
        }
    }

    [Test]
    public void WatchAccessedVariablesFalseWatchesOnlyWhatIsAsked()
    {
        var w = Make();
        var u = Make("u");
        using var tape = new GradientTape(persistent: true, watchAccessedVariables: false);
        tape.Watch(u);
        var loss = Ops.ReduceSum(Ops.MatMul(A, w) + Ops.MatMul(A, u));
        Assert.That(tape.Gradient(loss, w), Is.Null);
        Assert.That(tape.Gradient(loss, u), Is.Not.Null);
    }

    [Test]
    public void GradientForTheVariableEqualsGradientForItsReadTensor()
    {
        var w = Make();
        using var tape = new GradientTape(persistent: true);
        Tensor read = w;
        var loss = Ops.ReduceSum(Ops.MatMul(A, read) * Ops.MatMul(A, w));
        var byVariable = tape.Gradient(loss, w)!.ToArray<double>();
        var byTensor = tape.Gradient(loss, read)!.ToArray<double>();
        var byList = tape.Gradient(loss, new[] { read })[0]!.ToArray<double>();
        Assert.That(byTensor, Is.EqualTo(byVariable));
        Assert.That(byList, Is.EqualTo(byVariable));
        // loss = sum((A w)^2): gradient 2 A^T A w = 2 * [[10,14],[14,20]] [1,2] = [76, 108]
        Assert.That(byVariable, Is.EqualTo(new[] { 76.0, 108.0 }));
    }

    [Test]
    public void VariableGradientSumsOverReadsAcrossAnAssignment()
    {
        var w = new Variable(Tensor.Scalar(2.0), name: "w");
        using var tape = new GradientTape(persistent: true);
        var first = w * 3.0;                 // read of value 2
        w.Assign(Tensor.Scalar(5.0));
        var second = w * w;                  // read of value 5
        var loss = first + second;
        Assert.That(tape.Gradient(loss, w)!.Item<double>(), Is.EqualTo(3.0 + 10.0));
    }

    [Test]
    public void GradientsDoNotFlowThroughAnAssignment()
    {
        var x = Tensor.Scalar(3.0);
        var w = new Variable(Tensor.Scalar(0.0), name: "w");
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        w.Assign(x * x);
        var y = w * 2.0;
        Assert.That(tape.Gradient(y, x), Is.Null);
        Assert.That(tape.Gradient(y, w)!.Item<double>(), Is.EqualTo(2.0));
    }

    [Test]
    public void TheInitialValueTensorIsNotTheVariable()
    {
        var init = Tensor.Scalar(2.0);
        var w = new Variable(init, name: "w");
        using var tape = new GradientTape(persistent: true);
        tape.Watch(init);
        var y = init * 3.0 + w * 5.0;
        Assert.That(tape.Gradient(y, init)!.Item<double>(), Is.EqualTo(3.0));
        Assert.That(tape.Gradient(y, w)!.Item<double>(), Is.EqualTo(5.0));
    }

    [Test]
    public void AssignmentsUpdateTheValue()
    {
        var w = Make();
        Assert.That(w.Assign(Tensor.From(new double[,] { { 5 }, { 6 } })).ToArray<double>(), Is.EqualTo(new[] { 5.0, 6.0 }));
        Assert.That(w.AssignAdd(Tensor.From(new double[,] { { 1 }, { 1 } })).ToArray<double>(), Is.EqualTo(new[] { 6.0, 7.0 }));
        Assert.That(w.AssignSub(Tensor.From(new double[,] { { 2 }, { 4 } })).ToArray<double>(), Is.EqualTo(new[] { 4.0, 3.0 }));
        Assert.That(((Tensor)w).ToArray<double>(), Is.EqualTo(new[] { 4.0, 3.0 }));
    }

    [Test]
    public void AssignmentsUnderATapeAreNotRecordedAndTheUpdateIsSeen()
    {
        var w = new Variable(Tensor.Scalar(1.0), name: "w");
        using var tape = new GradientTape();
        var y = w * 2.0;
        w.AssignAdd(Tensor.Scalar(1.0));
        Assert.That(((Tensor)w).Item<double>(), Is.EqualTo(2.0));
        Assert.That(tape.Gradient(y, w)!.Item<double>(), Is.EqualTo(2.0));
    }

    [TestCase("Assign")]
    [TestCase("AssignAdd")]
    [TestCase("AssignSub")]
    public void AssignmentsCheckShape(string op)
    {
        var w = Make("w_shape");
        var e = Assert.Throws<ArgumentException>(() => Assign(op, w, Tensor.Zeros(new Shape(3, 1), DType.Float64)));
        Assert.That(e!.Message, Does.Contain(op).And.Contain("w_shape").And.Contain("(2, 1)").And.Contain("(3, 1)"));
        Assert.That(((Tensor)w).ToArray<double>(), Is.EqualTo(new[] { 1.0, 2.0 }), "a rejected assignment leaves the value alone");
    }

    [TestCase("Assign")]
    [TestCase("AssignAdd")]
    [TestCase("AssignSub")]
    public void AssignmentsCheckDType(string op)
    {
        var w = Make("w_dtype");
        var e = Assert.Throws<ArgumentException>(() => Assign(op, w, Tensor.Zeros(new Shape(2, 1), DType.Float32)));
        Assert.That(e!.Message, Does.Contain(op).And.Contain("float64").And.Contain("float32"));
    }

    [Test]
    public void BoolVariablesCanBeAssignedButNotIncremented()
    {
        var b = new Variable(Tensor.From(new[] { true, false }), name: "flags", trainable: false);
        b.Assign(Tensor.From(new[] { false, true }));
        Assert.That(((Tensor)b).ToArray<bool>(), Is.EqualTo(new[] { false, true }));
        var e = Assert.Throws<ArgumentException>(() => b.AssignAdd(Tensor.From(new[] { true, true })));
        Assert.That(e!.Message, Does.Contain("AssignAdd").And.Contain("flags"));
    }

    [Test]
    public void IntegerVariablesCountButCarryNoGradient()
    {
        var step = new Variable(Tensor.Scalar(0), name: "step");
        using var tape = new GradientTape();
        var y = step * 2.0;
        step.AssignAdd(Tensor.Scalar(1));
        Assert.That(((Tensor)step).Item<int>(), Is.EqualTo(1));
        Assert.That(tape.Gradient(y, step), Is.Null);
    }

    [Test]
    public void OperatorsWorkThroughTheReadValue()
    {
        var v = new Variable(Tensor.From(new[] { 2.0, 4.0 }), name: "v");
        var t = Tensor.From(new[] { 1.0, 2.0 });
        Assert.That((v + t).ToArray<double>(), Is.EqualTo(new[] { 3.0, 6.0 }));
        Assert.That((t + v).ToArray<double>(), Is.EqualTo(new[] { 3.0, 6.0 }));
        Assert.That((v - t).ToArray<double>(), Is.EqualTo(new[] { 1.0, 2.0 }));
        Assert.That((v * t).ToArray<double>(), Is.EqualTo(new[] { 2.0, 8.0 }));
        Assert.That((v / t).ToArray<double>(), Is.EqualTo(new[] { 2.0, 2.0 }));
        Assert.That((v * v).ToArray<double>(), Is.EqualTo(new[] { 4.0, 16.0 }));
        Assert.That((2.0 * v).ToArray<double>(), Is.EqualTo(new[] { 4.0, 8.0 }));
        Assert.That((v * 2.0).ToArray<double>(), Is.EqualTo(new[] { 4.0, 8.0 }));
        Assert.That((1.0 + v).ToArray<double>(), Is.EqualTo(new[] { 3.0, 5.0 }));
        Assert.That((v + 1.0).ToArray<double>(), Is.EqualTo(new[] { 3.0, 5.0 }));
        Assert.That((10.0 - v).ToArray<double>(), Is.EqualTo(new[] { 8.0, 6.0 }));
        Assert.That((v - 1.0).ToArray<double>(), Is.EqualTo(new[] { 1.0, 3.0 }));
        Assert.That((8.0 / v).ToArray<double>(), Is.EqualTo(new[] { 4.0, 2.0 }));
        Assert.That((v / 2.0).ToArray<double>(), Is.EqualTo(new[] { 1.0, 2.0 }));
        Assert.That((-v).ToArray<double>(), Is.EqualTo(new[] { -2.0, -4.0 }));
    }

    private static Tensor Assign(string op, Variable v, Tensor value) => op switch
    {
        "Assign" => v.Assign(value),
        "AssignAdd" => v.AssignAdd(value),
        _ => v.AssignSub(value),
    };
}
