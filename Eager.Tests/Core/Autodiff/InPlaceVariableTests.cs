using System.Runtime.CompilerServices;
using Eager.NN;

namespace Eager.Tests.Core.Autodiff;

/// <summary>Eager variables update in place when nothing else can read their buffer, and copy when something can.</summary>
public class InPlaceVariableTests
{
    private static float[] Range(int n, float scale) => Enumerable.Range(0, n).Select(i => i * scale).ToArray();

    // Out of line so that no local of a test keeps the value a read handed out.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddDropped(Variable v, Tensor d) => v.AssignAdd(d);

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [Test]
    public void AnUnreadVariableIsUpdatedInItsOwnBuffer()
    {
        var v = new Variable(Tensor.From(Range(3000, 1f)), name: "v");
        var d = Tensor.From(Range(3000, 0.5f));
        AddDropped(v, d); // the first update writes a buffer of the variable's own (the initial one is the caller's)
        Collect();
        long before = Variable.InPlaceUpdates;
        AddDropped(v, d);
        v.AssignSub(d * 4f);
        Assert.That(Variable.InPlaceUpdates - before, Is.GreaterThanOrEqualTo(1), "no read was reachable: the update writes in place");
        var want = Range(3000, 1f).Select(x => x + x * 0.5f + x * 0.5f - x * 2f).ToArray();
        Assert.That(v.Value.ToArray<float>(), Is.EqualTo(want).Within(1e-3f));
    }

    [Test]
    public void AHeldReadKeepsItsValue()
    {
        var v = new Variable(Tensor.From(Range(3000, 1f)), name: "v");
        var d = Tensor.Ones(new Shape(3000));
        AddDropped(v, d);
        Collect();
        var old = v.Read();
        var view = Ops.Reshape(v.Read(), 30, 100);
        var snapshot = old.ToArray<float>();
        long copied = Variable.CopiedUpdates;
        v.AssignAdd(d);
        Assert.That(Variable.CopiedUpdates - copied, Is.EqualTo(1), "the held read forces a copy");
        Assert.That(old.ToArray<float>(), Is.EqualTo(snapshot), "the read keeps the value it had");
        Assert.That(view.ToArray<float>(), Is.EqualTo(snapshot), "so does a view of it");
        Assert.That(v.Value.ToArray<float>(), Is.EqualTo(snapshot.Select(x => x + 1).ToArray()));
    }

    [Test]
    public void AViewOfAReadAloneKeepsItsValue()
    {
        var v = new Variable(Tensor.From(Range(2048, 1f)), name: "v");
        var d = Tensor.Ones(new Shape(2048));
        AddDropped(v, d);
        Collect();
        var view = ViewOfARead(v);
        Collect(); // the read itself is gone; the view still shares the buffer
        var snapshot = view.ToArray<float>();
        v.AssignAdd(d);
        Assert.That(view.ToArray<float>(), Is.EqualTo(snapshot));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Tensor ViewOfARead(Variable v) => Ops.Transpose(Ops.Reshape(v.Read(), 32, 64));

    [Test]
    public void APersistentTapeStillSeesTheValueItRecorded()
    {
        var w = new Variable(Tensor.From(Range(2048, 0.001f)), name: "w");
        AddDropped(w, Tensor.Zeros(new Shape(2048)));
        Collect();
        using var tape = new GradientTape(persistent: true);
        var loss = Ops.ReduceSum(Ops.Square(Reading(w)));
        var first = tape.Gradient(loss, w)!.ToArray<float>();
        Collect();
        w.AssignAdd(Tensor.Ones(new Shape(2048)));
        var second = tape.Gradient(loss, w)!.ToArray<float>();
        Assert.That(second, Is.EqualTo(first), "the update must not reach the value the tape recorded");
        Assert.That(first, Is.EqualTo(Range(2048, 0.002f)).Within(1e-5f));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Tensor Reading(Variable w) => w.Read() * 1f;

    [Test]
    public void ANonPersistentTapeThatAnsweredLetsTheNextStepWriteInPlace()
    {
        var w = new Variable(Tensor.From(Range(4096, 0.001f)), name: "w");
        long inPlace = Variable.InPlaceUpdates;
        for (int i = 0; i < 3; i++) SgdStep(w);
        Assert.That(Variable.InPlaceUpdates - inPlace, Is.GreaterThanOrEqualTo(1));
        // w <- w - 0.1 * 2w three times
        var want = Range(4096, 0.001f).Select(x => x * 0.8f * 0.8f * 0.8f).ToArray();
        Assert.That(w.Value.ToArray<float>(), Is.EqualTo(want).Within(1e-5f));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SgdStep(Variable w)
    {
        Tensor g;
        using (var tape = new GradientTape())
            g = tape.Gradient(Ops.ReduceSum(Ops.Square(Reading(w))), w)!;
        Variable.InPlaceCollectBytes = 0;
        try { Variable.ReleaseStaleReads([w]); }
        finally { Variable.InPlaceCollectBytes = 1L << 20; }
        using (GradientTape.NoGradient()) w.AssignSub(g * 0.1f);
    }

    [Test]
    public void AdamInPlaceGivesTheResultsOfTheImmutableUpdate()
    {
        // The reference: AdamStep's pure results assigned each step (what Adam did before it wrote in place).
        var init = Tensor.RandomNormal(new Shape(64, 48), seed: 5);
        var w = new Variable(init, name: "w");
        var rw = new Variable(init, name: "rw");
        var rm = new Variable(Tensor.Zeros(new Shape(64, 48)), name: "rm");
        var rv = new Variable(Tensor.Zeros(new Shape(64, 48)), name: "rv");
        var opt = new Adam(learningRate: 0.01f);
        long inPlace = Variable.InPlaceUpdates;
        long threshold = Variable.InPlaceCollectBytes;
        Variable.InPlaceCollectBytes = 0;
        try
        {
            for (int step = 1; step <= 5; step++)
            {
                var g = Tensor.RandomNormal(new Shape(64, 48), seed: 10 + step);
                opt.ApplyGradients([g], [w]);
                double alpha = 0.01 * Math.Sqrt(1 - Math.Pow(0.999, step)) / (1 - Math.Pow(0.9, step));
                var next = Ops.AdamStep(rw.Read(), rm.Read(), rv.Read(), g, Tensor.Scalar((float)alpha), 0.9, 0.999, 1e-7);
                rw.Assign(next[0]); rm.Assign(next[1]); rv.Assign(next[2]);
                Collect();
            }
        }
        finally { Variable.InPlaceCollectBytes = threshold; }
        Assert.That(w.Value.ToArray<float>(), Is.EqualTo(rw.Value.ToArray<float>()).Within(1e-6f));
        Assert.That(Variable.InPlaceUpdates - inPlace, Is.GreaterThanOrEqualTo(6), "weight and moments write in place after the first step");
    }

    [Test]
    public void ApplyAdamRejectsMismatchedSlots()
    {
        var w = new Variable(Tensor.Zeros(new Shape(3)), name: "w");
        var m = new Variable(Tensor.Zeros(new Shape(4)), name: "m");
        var ex = Assert.Throws<ArgumentException>(() => Ops.ApplyAdam(w, m, m, Tensor.Zeros(new Shape(3)), Tensor.Scalar(0.1f), 0.9, 0.999, 1e-7));
        Assert.That(ex!.Message, Does.Contain("ApplyAdam").And.Contain("'m'").And.Contain("(4,)"));
    }

    [Test]
    public void ATracedUpdateReadsTheValueBeforeIt()
    {
        // Inside a traced function the read is a slot of the run: the update after it must not change what it read.
        var w = new Variable(Tensor.From(Range(2048, 1f)), name: "w");
        AddDropped(w, Tensor.Zeros(new Shape(2048)));
        var f = Function.Create((Tensor d) =>
        {
            var before = w.Read() * 1f;
            w.AssignAdd(d);
            return before;
        });
        var d = Tensor.Ones(new Shape(2048));
        Collect();
        var r1 = f.Invoke(d);
        Collect();
        var r2 = f.Invoke(d);
        Assert.That(r1.ToArray<float>(), Is.EqualTo(Range(2048, 1f)));
        Assert.That(r2.ToArray<float>(), Is.EqualTo(Range(2048, 1f).Select(x => x + 1).ToArray()));
        Assert.That(w.Value.ToArray<float>(), Is.EqualTo(Range(2048, 1f).Select(x => x + 2).ToArray()));
    }

    [Test]
    public void GraphVariablesInSessionsStillCopy()
    {
        var g = new Graph();
        using (g.AsDefault())
        {
            var w = new Variable(Tensor.From(Range(2048, 1f)), name: "w");
            var read = w.Read();
            var add = w.AssignAdd(Tensor.Ones(new Shape(2048)));
            using var s = new Session(g);
            s.Run(Ops.GlobalVariablesInitializer());
            var held = s.Run(read);
            s.Run(add);
            Assert.That(held.ToArray<float>(), Is.EqualTo(Range(2048, 1f)));
            Assert.That(s.Run(read).ToArray<float>(), Is.EqualTo(Range(2048, 1f).Select(x => x + 1).ToArray()));
        }
    }
}
