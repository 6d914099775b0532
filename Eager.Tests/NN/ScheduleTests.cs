using Eager.NN;

namespace Eager.Tests.NN;

public class ScheduleTests
{
    private static IEnumerable<LearningRateSchedule> Schedules()
    {
        yield return new ExponentialDecay(0.1, 10, 0.5);
        yield return new ExponentialDecay(0.1, 10, 0.5, staircase: true);
        yield return new PiecewiseConstantDecay([5, 20], [1.0, 0.5, 0.1]);
        yield return new CosineDecay(0.2, 30, alpha: 0.1);
        yield return new CosineDecay(0.0, 30, warmupTarget: 0.3, warmupSteps: 5);
        yield return new InverseTimeDecay(0.1, 4, 0.5, staircase: true);
    }

    [TestCaseSource(nameof(Schedules))]
    public void OpsFormulaMatchesTheHostFormula(LearningRateSchedule s)
    {
        foreach (long step in new long[] { 0, 1, 4, 5, 6, 9, 10, 19, 20, 21, 33, 100 })
        {
            double host = s.Value(step);
            double ops = s.Compute(Tensor.Scalar((double)step)).Item<double>();
            Assert.That(ops, Is.EqualTo(host).Within(1e-12), $"step {step}");
        }
    }

    [Test]
    public void KnownValues()
    {
        Assert.That(new ExponentialDecay(0.1, 10, 0.5).Value(20), Is.EqualTo(0.025).Within(1e-15));
        Assert.That(new ExponentialDecay(0.1, 10, 0.5, staircase: true).Value(19), Is.EqualTo(0.05).Within(1e-15));
        Assert.That(new PiecewiseConstantDecay([5], [1.0, 0.5]).Value(5), Is.EqualTo(1.0));
        Assert.That(new PiecewiseConstantDecay([5], [1.0, 0.5]).Value(6), Is.EqualTo(0.5));
        Assert.That(new CosineDecay(1.0, 10).Value(5), Is.EqualTo(0.5).Within(1e-12));
        Assert.That(new CosineDecay(1.0, 10, alpha: 0.2).Value(50), Is.EqualTo(0.2).Within(1e-12));
        Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([5, 3], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([5], [1]));
    }

    [Test]
    public void OptimizerFollowsItsSchedule()
    {
        var w = new Variable(Tensor.From(new[] { 0.0 }), name: "w");
        var opt = new SGD(new PiecewiseConstantDecay([0], [1.0, 0.25]));
        opt.ApplyGradients([Tensor.From(new[] { 1.0 })], [w]); // step 0: lr 1
        opt.ApplyGradients([Tensor.From(new[] { 1.0 })], [w]); // step 1: lr 0.25
        Assert.That(w.Value.Item<double>(), Is.EqualTo(-1.25).Within(1e-12));
    }
}
