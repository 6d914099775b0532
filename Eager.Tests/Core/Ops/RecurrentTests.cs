namespace Eager.Tests.Core;

/// <summary>Ops.Lstm, Ops.Gru and Ops.Rnn against a float64 reference written from ONNX's equations, and their gradients
/// against finite differences.</summary>
public class RecurrentTests
{
    public enum Cell { Rnn, Gru, Lstm }

    public sealed record Case(Cell Cell, int Steps, int Batch, int Input, int Hidden, string Direction,
        bool Bias = true, bool Lengths = false, bool InitialH = false, bool InitialC = false, bool Peepholes = false, bool LinearBeforeReset = false)
    {
        public int Dirs => Direction == "bidirectional" ? 2 : 1;
        public int Gates => Cell switch { Cell.Rnn => 1, Cell.Gru => 3, _ => 4 };
    }

    /// <summary>Operands for a case, float64, in ONNX slot order (absent ones null); lengths run from full to short (one may be 0).</summary>
    internal static Tensor?[] Operands(Case c, int seed = 1)
    {
        var rng = new Random(seed);
        Tensor Rand(params int[] dims)
        {
            var s = new Shape(dims);
            return Tensor.From(Enumerable.Range(0, s.Size).Select(_ => rng.NextDouble() * 1.6 - 0.8).ToArray(), s);
        }
        int gh = c.Gates * c.Hidden;
        var lens = Enumerable.Range(0, c.Batch).Select(b => b == 0 ? c.Steps : Math.Max(0, c.Steps - 1 - b)).ToArray();
        return [Rand(c.Steps, c.Batch, c.Input), Rand(c.Dirs, gh, c.Input), Rand(c.Dirs, gh, c.Hidden),
            c.Bias ? Rand(c.Dirs, 2 * gh) : null, c.Lengths ? Tensor.From(lens) : null,
            c.InitialH ? Rand(c.Dirs, c.Batch, c.Hidden) : null, c.InitialC ? Rand(c.Dirs, c.Batch, c.Hidden) : null,
            c.Peepholes ? Rand(c.Dirs, 3 * c.Hidden) : null];
    }

    internal static Tensor[] Call(Case c, Tensor?[] o, int layout = 0) => c.Cell switch
    {
        Cell.Lstm => Ops.Lstm(o[0]!, o[1]!, o[2]!, o[3], o[4], o[5], o[6], o[7], c.Direction, layout) is var (y, h, cc) ? [y, h, cc] : [],
        Cell.Gru => Ops.Gru(o[0]!, o[1]!, o[2]!, o[3], o[4], o[5], c.Direction, c.LinearBeforeReset, layout) is var (y, h) ? [y, h] : [],
        _ => Ops.Rnn(o[0]!, o[1]!, o[2]!, o[3], o[4], o[5], c.Direction, layout) is var (y, h) ? [y, h] : [],
    };

    private static double Sig(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>ONNX's equations step by step, one scalar at a time.</summary>
    internal static double[][] Reference(Case c, Tensor?[] o)
    {
        int T = c.Steps, B = c.Batch, I = c.Input, H = c.Hidden, nd = c.Dirs, G = c.Gates;
        double[]? Arr(int i) => o[i]?.ToDoubleArray();
        var x = Arr(0)!; var w = Arr(1)!; var r = Arr(2)!; var bias = Arr(3); var h0 = Arr(5); var c0 = Arr(6); var p = Arr(7);
        var lens = o[4]?.ToArray<int>();
        var y = new double[T * nd * B * H]; var yh = new double[nd * B * H]; var yc = new double[nd * B * H];
        for (int d = 0; d < nd; d++)
        {
            bool rev = nd == 2 ? d == 1 : c.Direction == "reverse";
            var h = new double[B * H]; var cs = new double[B * H];
            for (int i = 0; i < B * H; i++) { h[i] = h0?[d * B * H + i] ?? 0; cs[i] = c0?[d * B * H + i] ?? 0; }
            double Wb(int row) => bias is null ? 0 : bias[d * 2 * G * H + row];
            double Rb(int row) => bias is null ? 0 : bias[d * 2 * G * H + G * H + row];
            double XW(int t, int b, int row) { double s = Wb(row); for (int k = 0; k < I; k++) s += x[(t * B + b) * I + k] * w[(d * G * H + row) * I + k]; return s; }
            double HR(double[] hv, int b, int row) { double s = 0; for (int k = 0; k < H; k++) s += hv[b * H + k] * r[(d * G * H + row) * H + k]; return s; }
            for (int step = 0; step < T; step++)
            {
                int t = rev ? T - 1 - step : step;
                for (int b = 0; b < B; b++)
                {
                    if (lens is not null && t >= lens[b]) continue;
                    var hn = new double[H]; var cn = new double[H];
                    if (c.Cell == Cell.Rnn)
                        for (int j = 0; j < H; j++) hn[j] = Math.Tanh(XW(t, b, j) + HR(h, b, j) + Rb(j));
                    else if (c.Cell == Cell.Gru)
                    {
                        var z = new double[H]; var rr = new double[H];
                        for (int j = 0; j < H; j++) { z[j] = Sig(XW(t, b, j) + HR(h, b, j) + Rb(j)); rr[j] = Sig(XW(t, b, H + j) + HR(h, b, H + j) + Rb(H + j)); }
                        var rh = new double[B * H];
                        for (int k = 0; k < H; k++) rh[b * H + k] = rr[k] * h[b * H + k];
                        for (int j = 0; j < H; j++)
                        {
                            double hh = c.LinearBeforeReset
                                ? Math.Tanh(XW(t, b, 2 * H + j) + rr[j] * (HR(h, b, 2 * H + j) + Rb(2 * H + j)))
                                : Math.Tanh(XW(t, b, 2 * H + j) + HR(rh, b, 2 * H + j) + Rb(2 * H + j));
                            hn[j] = (1 - z[j]) * hh + z[j] * h[b * H + j];
                        }
                    }
                    else
                        for (int j = 0; j < H; j++)
                        {
                            double cp = cs[b * H + j];
                            double Pv(int k) => p is null ? 0 : p[d * 3 * H + k * H + j];
                            double ig = Sig(XW(t, b, j) + HR(h, b, j) + Rb(j) + Pv(0) * cp);
                            double fg = Sig(XW(t, b, 2 * H + j) + HR(h, b, 2 * H + j) + Rb(2 * H + j) + Pv(2) * cp);
                            double cg = Math.Tanh(XW(t, b, 3 * H + j) + HR(h, b, 3 * H + j) + Rb(3 * H + j));
                            cn[j] = fg * cp + ig * cg;
                            double og = Sig(XW(t, b, H + j) + HR(h, b, H + j) + Rb(H + j) + Pv(1) * cn[j]);
                            hn[j] = og * Math.Tanh(cn[j]);
                        }
                    for (int j = 0; j < H; j++)
                    {
                        y[((t * nd + d) * B + b) * H + j] = hn[j];
                        h[b * H + j] = hn[j];
                        if (c.Cell == Cell.Lstm) cs[b * H + j] = cn[j];
                    }
                }
            }
            Array.Copy(h, 0, yh, d * B * H, B * H);
            Array.Copy(cs, 0, yc, d * B * H, B * H);
        }
        return c.Cell == Cell.Lstm ? [y, yh, yc] : [y, yh];
    }

    internal static IEnumerable<TestCaseData> Cases()
    {
        foreach (var dir in new[] { "forward", "reverse", "bidirectional" })
        {
            yield return new TestCaseData(new Case(Cell.Lstm, 4, 3, 3, 5, dir, Lengths: true, InitialH: true, InitialC: true, Peepholes: true)).SetName($"Lstm_all_{dir}");
            yield return new TestCaseData(new Case(Cell.Lstm, 3, 2, 2, 3, dir, Bias: false)).SetName($"Lstm_bare_{dir}");
            yield return new TestCaseData(new Case(Cell.Gru, 4, 3, 3, 5, dir, Lengths: true, InitialH: true)).SetName($"Gru_{dir}");
            yield return new TestCaseData(new Case(Cell.Gru, 4, 3, 3, 5, dir, Lengths: true, InitialH: true, LinearBeforeReset: true)).SetName($"Gru_lbr_{dir}");
            yield return new TestCaseData(new Case(Cell.Rnn, 4, 3, 3, 5, dir, Lengths: true, InitialH: true)).SetName($"Rnn_{dir}");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Float32MatchesReference(Case c)
    {
        var o = Operands(c);
        var want = Reference(c, o);
        var f32 = o.Select(t => t is null ? null : t.DType == DType.Float64 ? Ops.Cast(t, DType.Float32) : t).ToArray();
        var got = Call(c, f32);
        Assert.That(got[0].Shape, Is.EqualTo(new Shape(c.Steps, c.Dirs, c.Batch, c.Hidden)));
        for (int i = 0; i < want.Length; i++)
        {
            var g = got[i].ToDoubleArray();
            for (int k = 0; k < g.Length; k++) Assert.That(g[k], Is.EqualTo(want[i][k]).Within(2e-5), $"output {i}[{k}]");
        }
        var got64 = Call(c, o);
        for (int i = 0; i < want.Length; i++)
            Assert.That(got64[i].ToDoubleArray(), Is.EqualTo(want[i]).Within(1e-12), $"float64 output {i}");
    }

    [TestCase(Cell.Lstm)]
    [TestCase(Cell.Gru)]
    public void PooledGatesAreRewrittenOnEveryCall(Cell cell)
    {
        // Large enough that a forward pass takes its gates from the pool: the second call gets the first one's buffer
        // back, dirty, and must still match the reference.
        var c = new Case(cell, 6, 4, 3, 16, "bidirectional", Lengths: true, InitialH: true, LinearBeforeReset: cell == Cell.Gru);
        var o = Operands(c);
        var want = Reference(c, o);
        var f32 = o.Select(t => t is null ? null : t.DType == DType.Float64 ? Ops.Cast(t, DType.Float32) : t).ToArray();
        for (int call = 0; call < 2; call++)
        {
            var got = Call(c, f32);
            for (int i = 0; i < want.Length; i++)
                Assert.That(got[i].ToDoubleArray(), Is.EqualTo(want[i]).Within(2e-5), $"call {call}, output {i}");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void GradientsMatchFiniteDifferences(Case c)
    {
        var o = Operands(c, seed: 3);
        var present = Enumerable.Range(0, 8).Where(i => o[i] is not null).ToArray();
        Tensor F(Tensor[] xs)
        {
            var full = new Tensor?[8];
            for (int k = 0; k < present.Length; k++) full[present[k]] = xs[k];
            return Ops.Concat(Call(c, full).Select(t => Ops.Reshape(t, -1)));
        }
        GradCheck.Check(F, 1e-6, present.Select(i => o[i]!).ToArray());
    }

    [Test]
    public void LayoutOneTransposesInputsAndOutputs()
    {
        var c = new Case(Cell.Lstm, 3, 2, 3, 4, "bidirectional", InitialH: true, InitialC: true);
        var o = Operands(c);
        var want = Call(c, o);
        var batchFirst = (Tensor?[])o.Clone();
        batchFirst[0] = Ops.Transpose(o[0]!, [1, 0, 2]);
        batchFirst[5] = Ops.Transpose(o[5]!, [1, 0, 2]);
        batchFirst[6] = Ops.Transpose(o[6]!, [1, 0, 2]);
        var got = Call(c, batchFirst, layout: 1);
        Assert.That(got[0].ToDoubleArray(), Is.EqualTo(Ops.Transpose(want[0], [2, 0, 1, 3]).ToDoubleArray()).Within(1e-12));
        Assert.That(got[1].ToDoubleArray(), Is.EqualTo(Ops.Transpose(want[1], [1, 0, 2]).ToDoubleArray()).Within(1e-12));
    }

    [Test]
    public void TracedMatchesEager()
    {
        var c = new Case(Cell.Gru, 5, 2, 3, 4, "bidirectional", InitialH: true);
        var o = Operands(c);
        var f = Function.Create((Tensor x, Tensor w, Tensor r, Tensor h) => Ops.Gru(x, w, r, o[3], initialH: h, direction: "bidirectional").Y);
        Assert.That(f.Invoke(o[0]!, o[1]!, o[2]!, o[5]!).ToDoubleArray(), Is.EqualTo(Call(c, o)[0].ToDoubleArray()).Within(1e-12));
    }

    [Test]
    public void EmptyBatchAndSequence()
    {
        foreach (var (steps, batch) in new[] { (0, 2), (3, 0) })
        {
            var c = new Case(Cell.Lstm, steps, batch, 2, 3, "forward");
            var o = Operands(c);
            var got = Call(c, o);
            Assert.That(got[0].Shape, Is.EqualTo(new Shape(steps, 1, batch, 3)));
            Assert.That(got[1].ToDoubleArray(), Is.All.EqualTo(0.0));
        }
    }

    [Test]
    public void BadShapesNameTheOp()
    {
        var c = new Case(Cell.Lstm, 3, 2, 2, 3, "forward");
        var o = Operands(c);
        var ex = Assert.Throws<ArgumentException>(() => Ops.Lstm(o[0]!, o[1]!, Ops.Reshape(o[2]!, 1, 6, 6)))!;
        Assert.That(ex.Message, Does.Contain("Lstm"));
        Assert.Throws<ArgumentException>(() => Ops.Gru(o[0]!, o[1]!, o[2]!, direction: "sideways"));
        Assert.Throws<ArgumentException>(() => Ops.Lstm(o[0]!, o[1]!, o[2]!, sequenceLengths: Tensor.From(new[] { 4, 1 })));
    }
}
