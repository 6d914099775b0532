namespace Eager.Tests.Core.Autodiff;

public class ExplainNullGradientTests
{
    [Test]
    public void UnwatchedSource()
    {
        var x = Tensor.Scalar(1.0);
        using var tape = new GradientTape();
        var y = x * x;
        Assert.That(tape.ExplainNullGradient(y, x), Does.Contain("never watched").And.Contain("tape.Watch"));
    }

    [Test]
    public void TargetComputedBeforeTheTape()
    {
        var x = Tensor.Scalar(1.0);
        var y = x * x;
        using var tape = new GradientTape();
        tape.Watch(x);
        Assert.That(tape.ExplainNullGradient(y, x), Does.Contain("before the tape started"));
    }

    [Test]
    public void CutByStopGradientNamesTheOp()
    {
        var x = Tensor.Scalar(1.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = Ops.StopGradient(x) * 2.0 + 1.0;
        Assert.That(tape.ExplainNullGradient(y, x), Does.Contain("StopGradient").And.Contain("no gradient"));
        Assert.That(tape.Gradient(y, x), Is.Null);
    }

    [Test]
    public void CutByStopRecordingAndNoGradientIsNamed()
    {
        var x = Tensor.Scalar(1.0);
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        Tensor a, b;
        using (tape.StopRecording()) a = x * 2.0;
        using (GradientTape.NoGradient()) b = x + 1.0;
        Assert.That(tape.ExplainNullGradient(a * 3.0, x), Does.Contain("Multiply").And.Contain("StopRecording"));
        Assert.That(tape.ExplainNullGradient(b, x), Does.Contain("Add").And.Contain("NoGradient"));
    }

    [Test]
    public void IntegerTensorsAreExplained()
    {
        var i = Tensor.From(new[] { 1, 2 });
        using var tape = new GradientTape();
        Assert.That(tape.ExplainNullGradient(i * i, i), Does.Contain("int32").And.Contain("carry no gradient"));
    }

    [Test]
    public void ConnectedGradientIsSaidToBeConnected()
    {
        var x = Tensor.Scalar(1.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * x;
        Assert.That(tape.ExplainNullGradient(y, x), Does.Contain("not null"));
    }

    [Test]
    public void SourceUsedOnAnotherBranch()
    {
        var x = Tensor.Scalar(1.0);
        var z = Tensor.Scalar(2.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        tape.Watch(z);
        _ = x * 3.0;
        var y = z * z;
        Assert.That(tape.ExplainNullGradient(y, x), Does.Contain("Multiply").And.Contain("no recorded chain"));
    }

    [Test]
    public void VariableNotReadOnTheTape()
    {
        var w = new Variable(Tensor.Scalar(1.0), name: "lonely");
        var frozen = new Variable(Tensor.Scalar(1.0), name: "frozen", trainable: false);
        var x = Tensor.Scalar(2.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * frozen;
        Assert.That(tape.ExplainNullGradient(y, w), Does.Contain("lonely").And.Contain("not read"));
        Assert.That(tape.ExplainNullGradient(y, frozen), Does.Contain("not trainable"));
    }

    [Test]
    public void AfterANonPersistentAnswerItSaysToAskFirst()
    {
        var x = Tensor.Scalar(1.0);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = x * x;
        _ = tape.Gradient(y, x);
        Assert.That(tape.ExplainNullGradient(y, x), Does.Contain("before Gradient"));
    }
}
