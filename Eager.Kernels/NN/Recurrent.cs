using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Eager.Kernels.Elementwise;
using Eager.Kernels.Memory;
using Mm = Eager.Kernels.Gemm.Gemm;

namespace Eager.Kernels.NN;

/// <summary>Which recurrent cell: ONNX's RNN (tanh), GRU (gates z, r, h) or LSTM (gates i, o, f, c).</summary>
public enum RecurrentCell
{
    /// <summary>H = tanh(X W' + H R' + b).</summary>
    Rnn,

    /// <summary>Gated recurrent unit.</summary>
    Gru,

    /// <summary>Long short-term memory.</summary>
    Lstm,
}

/// <summary>
/// The sizes of a recurrent layer in ONNX's layout 0: X is [steps, batch, input], W [directions, gates * hidden, input],
/// R [directions, gates * hidden, hidden], the bias [directions, 2 * gates * hidden] (input bias, then recurrent bias),
/// states [directions, batch, hidden], peepholes [directions, 3 * hidden] (i, o, f), Y [steps, directions, batch, hidden].
/// With one direction <paramref name="Reverse"/> runs it backwards; with two the second runs backwards.
/// </summary>
public readonly record struct RecurrentShape(RecurrentCell Cell, int Steps, int Batch, int Input, int Hidden, int Directions,
    bool Reverse = false, bool LinearBeforeReset = false)
{
    /// <summary>Gates per cell: 1, 3 or 4.</summary>
    public int Gates => Cell switch { RecurrentCell.Rnn => 1, RecurrentCell.Gru => 3, _ => 4 };

    /// <summary>Whether direction <paramref name="d"/> walks the sequence from its last valid step to its first.</summary>
    public bool Reversed(int d) => Directions == 2 ? d == 1 : Reverse;
}

/// <summary>The operands of a recurrent layer; optional ones are empty spans (zeros) and <see cref="Lengths"/> null (full length).</summary>
public readonly ref struct RecurrentInputs<T>
{
    /// <summary>X, W, R, bias, initial H, initial C, peepholes.</summary>
    public RecurrentInputs(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> r, ReadOnlySpan<T> bias,
        int[]? lengths, ReadOnlySpan<T> initialH, ReadOnlySpan<T> initialC, ReadOnlySpan<T> peepholes)
    {
        X = x; W = w; R = r; Bias = bias; Lengths = lengths; InitialH = initialH; InitialC = initialC; Peepholes = peepholes;
    }

    /// <summary>Input sequence.</summary>
    public ReadOnlySpan<T> X { get; }
    /// <summary>Input weights.</summary>
    public ReadOnlySpan<T> W { get; }
    /// <summary>Recurrent weights.</summary>
    public ReadOnlySpan<T> R { get; }
    /// <summary>Input and recurrent biases, or empty.</summary>
    public ReadOnlySpan<T> Bias { get; }
    /// <summary>Valid steps per batch entry, or null.</summary>
    public int[]? Lengths { get; }
    /// <summary>Initial hidden state, or empty.</summary>
    public ReadOnlySpan<T> InitialH { get; }
    /// <summary>Initial cell state (LSTM), or empty.</summary>
    public ReadOnlySpan<T> InitialC { get; }
    /// <summary>LSTM peepholes, or empty.</summary>
    public ReadOnlySpan<T> Peepholes { get; }
}

/// <summary>
/// Recurrent layers with ONNX's semantics and default activations. Per direction the input projection of every step is
/// one GEMM, each step adds one GEMM of the hidden state by R, and the gate math runs on spans. Steps at or past a batch
/// entry's length leave its state as it was and write zeros to Y. The backward pass runs the forward again to
/// recover the gates, then walks the steps back (backpropagation through time); the weight gradients are one GEMM each.
/// </summary>
public static class Recurrent
{
    /// <summary>What a forward pass keeps for the backward one. A forward pass on its own keeps only the gates (from the
    /// pool) and one step of GRU scratch: allocating the states of every step, unused, cost it more than its arithmetic
    /// (fresh arrays fault in their pages).</summary>
    private sealed class Saved<T> where T : unmanaged
    {
        public readonly T[] Gates; // activated gates (pre-activations before the step)
        public readonly T[] HPrev = [], CPrev = [], CNew = [];
        public readonly T[] Aux;   // GRU: r * Hprev, or Hprev R_h' + Rb_h with linear_before_reset
        private readonly bool forBackward;
        private readonly int stepLength;

        public Saved(int steps, int batch, int hidden, int gates, bool forBackward)
        {
            this.forBackward = forBackward;
            stepLength = batch * hidden;
            if (forBackward)
            {
                Gates = new T[steps * batch * gates * hidden];
                HPrev = new T[steps * batch * hidden];
                CPrev = new T[steps * batch * hidden];
                CNew = new T[steps * batch * hidden];
                Aux = new T[steps * batch * hidden];
            }
            else
            {
                Gates = BufferPool<T>.Rent(steps * batch * gates * hidden);
                Aux = BufferPool<T>.Rent(batch * hidden);
            }
        }

        public bool ForBackward => forBackward;

        /// <summary>Step t's GRU scratch (one shared step when nothing is kept for the backward pass).</summary>
        public Span<T> AuxAt(int t) => Aux.AsSpan(forBackward ? t * stepLength : 0, stepLength);

        /// <summary>Gives pooled buffers back (forward-only use).</summary>
        public void Release()
        {
            if (forBackward) return;
            BufferPool<T>.Return(Gates);
            BufferPool<T>.Return(Aux);
        }
    }

    /// <summary>Y [steps, directions, batch, hidden], the last hidden states and (LSTM) the last cell states [directions, batch, hidden].</summary>
    public static void Forward<T>(in RecurrentShape s, in RecurrentInputs<T> a, Span<T> y, Span<T> yh, Span<T> yc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, a);
        for (int d = 0; d < s.Directions; d++)
        {
            var saved = new Saved<T>(s.Steps, s.Batch, s.Hidden, s.Gates, forBackward: false);
            RunDirection(s, a, d, saved, y, yh, yc);
            saved.Release();
        }
    }

    /// <summary>
    /// The gradients of every float input from those of Y, Y_h and Y_c (empty spans: zero). Gradient outputs for absent
    /// optional inputs may be empty; the others are overwritten.
    /// </summary>
    public static void Backward<T>(in RecurrentShape s, in RecurrentInputs<T> a, ReadOnlySpan<T> dy, ReadOnlySpan<T> dyh, ReadOnlySpan<T> dyc,
        Span<T> dx, Span<T> dw, Span<T> dr, Span<T> dbias, Span<T> dh0, Span<T> dc0, Span<T> dp)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(s, a);
        int steps = s.Steps, batch = s.Batch, hid = s.Hidden, gh = s.Gates * hid, nd = s.Directions;
        var y = new T[steps * nd * batch * hid];
        var yh = new T[nd * batch * hid];
        var yc = new T[nd * batch * hid];
        dx.Clear(); dp.Clear();
        for (int d = 0; d < nd; d++)
        {
            var saved = new Saved<T>(steps, batch, hid, s.Gates, forBackward: true);
            RunDirection(s, a, d, saved, y, yh, yc);
            BackDirection(s, a, d, saved, dy, dyh, dyc, dx, dw.Slice(d * gh * s.Input, gh * s.Input), dr.Slice(d * gh * hid, gh * hid),
                dbias.IsEmpty ? default : dbias.Slice(d * 2 * gh, 2 * gh),
                dh0.IsEmpty ? default : dh0.Slice(d * batch * hid, batch * hid),
                dc0.IsEmpty ? default : dc0.Slice(d * batch * hid, batch * hid),
                dp.IsEmpty ? default : dp.Slice(d * 3 * hid, 3 * hid));
        }
    }

    private static void Check<T>(in RecurrentShape s, in RecurrentInputs<T> a)
    {
        int gh = s.Gates * s.Hidden, nd = s.Directions;
        if (s.Steps < 0 || s.Batch < 0 || s.Input < 0 || s.Hidden < 1 || nd is < 1 or > 2)
            throw new ArgumentException($"Recurrent: bad sizes {s}.");
        if (a.X.Length < s.Steps * s.Batch * s.Input || a.W.Length < nd * gh * s.Input || a.R.Length < nd * gh * s.Hidden
            || (!a.Bias.IsEmpty && a.Bias.Length < nd * 2 * gh) || (!a.InitialH.IsEmpty && a.InitialH.Length < nd * s.Batch * s.Hidden)
            || (!a.InitialC.IsEmpty && a.InitialC.Length < nd * s.Batch * s.Hidden) || (!a.Peepholes.IsEmpty && a.Peepholes.Length < nd * 3 * s.Hidden)
            || (a.Lengths is { } l && l.Length < s.Batch))
            throw new ArgumentException($"Recurrent: an operand is too short for {s}.");
    }

    private static bool Valid(int[]? lengths, int b, int t) => lengths is null || t < lengths[b];

    private static void RunDirection<T>(in RecurrentShape s, in RecurrentInputs<T> a, int d, Saved<T> sv, Span<T> y, Span<T> yh, Span<T> yc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int steps = s.Steps, batch = s.Batch, inp = s.Input, hid = s.Hidden, gh = s.Gates * hid, nd = s.Directions;
        bool gru = s.Cell == RecurrentCell.Gru, lstm = s.Cell == RecurrentCell.Lstm, lbr = gru && s.LinearBeforeReset;
        var w = a.W.Slice(d * gh * inp, gh * inp);
        var r = a.R.Slice(d * gh * hid, gh * hid);
        var gates = sv.Gates.AsSpan();
        Mm.Multiply(false, true, steps * batch, gh, inp, a.X, inp, w, inp, gates, gh);
        ReadOnlySpan<T> rbh = default;
        if (!a.Bias.IsEmpty)
        {
            var wb = a.Bias.Slice(d * 2 * gh, gh);
            var rb = a.Bias.Slice(d * 2 * gh + gh, gh);
            // With linear_before_reset the recurrent bias of h sits inside the reset gate's product.
            int rbEnd = lbr ? 2 * hid : gh;
            if (lbr) rbh = rb.Slice(2 * hid, hid);
            // Vectorised: as scalar loops over every row of every step the two bias adds cost a fifth of an LSTM's forward.
            for (int row = 0; row < steps * batch; row++)
            {
                var g = gates.Slice(row * gh, gh);
                TensorPrimitives.Add(g, wb, g);
                var gr = g.Slice(0, rbEnd);
                TensorPrimitives.Add(gr, rb.Slice(0, rbEnd), gr);
            }
        }
        ReadOnlySpan<T> p = a.Peepholes.IsEmpty ? default : a.Peepholes.Slice(d * 3 * hid, 3 * hid);
        var h = new T[batch * hid];
        var c = new T[batch * hid];
        if (!a.InitialH.IsEmpty) a.InitialH.Slice(d * batch * hid, batch * hid).CopyTo(h);
        if (lstm && !a.InitialC.IsEmpty) a.InitialC.Slice(d * batch * hid, batch * hid).CopyTo(c);
        var tmp = new T[hid];
        int rowsRecurrent = gru ? 2 * hid : gh;
        for (int k = 0; k < steps; k++)
        {
            int t = s.Reversed(d) ? steps - 1 - k : k;
            var g = gates.Slice(t * batch * gh, batch * gh);
            if (sv.ForBackward)
            {
                h.CopyTo(sv.HPrev.AsSpan(t * batch * hid));
                if (lstm) c.CopyTo(sv.CPrev.AsSpan(t * batch * hid));
            }
            Mm.Multiply(false, true, batch, rowsRecurrent, hid, h, hid, r, hid, g, gh, accumulate: true);
            var aux = sv.AuxAt(t);
            if (gru)
            {
                var rh = r.Slice(2 * hid * hid, hid * hid);
                for (int b = 0; b < batch; b++) Sigmoid(g.Slice(b * gh, 2 * hid));
                if (lbr)
                {
                    Mm.Multiply(false, true, batch, hid, hid, h, hid, rh, hid, aux, hid);
                    for (int b = 0; b < batch; b++)
                    {
                        var q = aux.Slice(b * hid, hid);
                        if (!rbh.IsEmpty) for (int j = 0; j < hid; j++) q[j] += rbh[j];
                        var gr = g.Slice(b * gh + hid, hid);
                        var gc = g.Slice(b * gh + 2 * hid, hid);
                        for (int j = 0; j < hid; j++) gc[j] += gr[j] * q[j];
                    }
                }
                else
                {
                    for (int b = 0; b < batch; b++)
                    {
                        var gr = g.Slice(b * gh + hid, hid);
                        for (int j = 0; j < hid; j++) aux[b * hid + j] = gr[j] * h[b * hid + j];
                    }
                    // The product lands in the h gate's columns of each row (row stride gh).
                    Mm.Multiply(false, true, batch, hid, hid, aux, hid, rh, hid, g.Slice(2 * hid), gh, accumulate: true);
                }
            }
            for (int b = 0; b < batch; b++)
            {
                var yrow = y.Slice(((t * nd + d) * batch + b) * hid, hid);
                if (!Valid(a.Lengths, b, t)) { yrow.Clear(); continue; }
                var gb = g.Slice(b * gh, gh);
                var hb = h.AsSpan(b * hid, hid);
                switch (s.Cell)
                {
                    case RecurrentCell.Rnn:
                        Tanh(gb);
                        gb.CopyTo(hb);
                        break;
                    case RecurrentCell.Gru:
                    {
                        var z = gb.Slice(0, hid);
                        var hh = gb.Slice(2 * hid, hid);
                        Tanh(hh);
                        for (int j = 0; j < hid; j++) hb[j] = (T.One - z[j]) * hh[j] + z[j] * hb[j];
                        break;
                    }
                    default:
                    {
                        var cb = c.AsSpan(b * hid, hid);
                        var gi = gb.Slice(0, hid);
                        var go = gb.Slice(hid, hid);
                        var gf = gb.Slice(2 * hid, hid);
                        var gc = gb.Slice(3 * hid, hid);
                        if (!p.IsEmpty)
                            for (int j = 0; j < hid; j++) { gi[j] += p[j] * cb[j]; gf[j] += p[2 * hid + j] * cb[j]; }
                        Sigmoid(gi); Sigmoid(gf); Tanh(gc);
                        for (int j = 0; j < hid; j++) cb[j] = gf[j] * cb[j] + gi[j] * gc[j];
                        if (sv.ForBackward) cb.CopyTo(sv.CNew.AsSpan((t * batch + b) * hid, hid));
                        if (!p.IsEmpty) for (int j = 0; j < hid; j++) go[j] += p[hid + j] * cb[j];
                        Sigmoid(go);
                        cb.CopyTo(tmp);
                        Tanh(tmp);
                        for (int j = 0; j < hid; j++) hb[j] = go[j] * tmp[j];
                        break;
                    }
                }
                hb.CopyTo(yrow);
            }
        }
        h.CopyTo(yh.Slice(d * batch * hid, batch * hid));
        if (lstm && !yc.IsEmpty) c.CopyTo(yc.Slice(d * batch * hid, batch * hid));
    }

    private static void BackDirection<T>(in RecurrentShape s, in RecurrentInputs<T> a, int d, Saved<T> sv,
        ReadOnlySpan<T> dy, ReadOnlySpan<T> dyh, ReadOnlySpan<T> dyc,
        Span<T> dx, Span<T> dw, Span<T> dr, Span<T> dbias, Span<T> dh0, Span<T> dc0, Span<T> dp)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int steps = s.Steps, batch = s.Batch, inp = s.Input, hid = s.Hidden, gh = s.Gates * hid, nd = s.Directions;
        bool gru = s.Cell == RecurrentCell.Gru, lstm = s.Cell == RecurrentCell.Lstm, lbr = gru && s.LinearBeforeReset;
        var w = a.W.Slice(d * gh * inp, gh * inp);
        var r = a.R.Slice(d * gh * hid, gh * hid);
        var rh = gru ? r.Slice(2 * hid * hid, hid * hid) : default;
        ReadOnlySpan<T> p = a.Peepholes.IsEmpty ? default : a.Peepholes.Slice(d * 3 * hid, 3 * hid);
        var dG = new T[steps * batch * gh];        // gradient of the gates' pre-activations
        var dRh = gru ? new T[steps * batch * hid] : []; // GRU: gradient of what R_h multiplies into
        var dh = new T[batch * hid];
        var dc = new T[batch * hid];
        var dhp = new T[batch * hid];
        var drh = gru ? new T[batch * hid] : [];
        var tc = new T[hid];
        if (!dyh.IsEmpty) dyh.Slice(d * batch * hid, batch * hid).CopyTo(dh);
        if (lstm && !dyc.IsEmpty) dyc.Slice(d * batch * hid, batch * hid).CopyTo(dc);
        int rowsRecurrent = gru ? 2 * hid : gh;
        for (int k = steps - 1; k >= 0; k--)
        {
            int t = s.Reversed(d) ? steps - 1 - k : k;
            var g = sv.Gates.AsSpan(t * batch * gh, batch * gh);
            var dg = dG.AsSpan(t * batch * gh, batch * gh);
            var dq = gru ? dRh.AsSpan(t * batch * hid, batch * hid) : default;
            for (int b = 0; b < batch; b++)
            {
                var dhb = dh.AsSpan(b * hid, hid);
                var dhpb = dhp.AsSpan(b * hid, hid);
                if (!Valid(a.Lengths, b, t)) { dhb.CopyTo(dhpb); continue; }
                if (!dy.IsEmpty)
                {
                    var dyrow = dy.Slice(((t * nd + d) * batch + b) * hid, hid);
                    for (int j = 0; j < hid; j++) dhb[j] += dyrow[j];
                }
                var gb = g.Slice(b * gh, gh);
                var dgb = dg.Slice(b * gh, gh);
                var hp = sv.HPrev.AsSpan((t * batch + b) * hid, hid);
                switch (s.Cell)
                {
                    case RecurrentCell.Rnn:
                        for (int j = 0; j < hid; j++) dgb[j] = dhb[j] * (T.One - gb[j] * gb[j]);
                        dhpb.Clear();
                        break;
                    case RecurrentCell.Gru:
                    {
                        var dqb = dq.Slice(b * hid, hid);
                        var q = sv.Aux.AsSpan((t * batch + b) * hid, hid);
                        for (int j = 0; j < hid; j++)
                        {
                            T z = gb[j], rr = gb[hid + j], hh = gb[2 * hid + j], dH = dhb[j];
                            T dhhPre = dH * (T.One - z) * (T.One - hh * hh);
                            dgb[j] = dH * (hp[j] - hh) * z * (T.One - z);
                            dgb[2 * hid + j] = dhhPre;
                            dhpb[j] = dH * z;
                            if (lbr)
                            {
                                dgb[hid + j] = dhhPre * q[j] * rr * (T.One - rr);
                                dqb[j] = dhhPre * rr;
                            }
                            else dqb[j] = dhhPre;
                        }
                        break;
                    }
                    default:
                    {
                        var dcb = dc.AsSpan(b * hid, hid);
                        var cn = sv.CNew.AsSpan((t * batch + b) * hid, hid);
                        var cp = sv.CPrev.AsSpan((t * batch + b) * hid, hid);
                        cn.CopyTo(tc);
                        Tanh(tc);
                        for (int j = 0; j < hid; j++)
                        {
                            T i = gb[j], o = gb[hid + j], f = gb[2 * hid + j], cc = gb[3 * hid + j], dH = dhb[j];
                            T doPre = dH * tc[j] * o * (T.One - o);
                            T dC = dcb[j] + dH * o * (T.One - tc[j] * tc[j]);
                            if (!p.IsEmpty) { dC += doPre * p[hid + j]; dp[hid + j] += doPre * cn[j]; }
                            T diPre = dC * cc * i * (T.One - i);
                            T dfPre = dC * cp[j] * f * (T.One - f);
                            T dcPre = dC * i * (T.One - cc * cc);
                            T dCp = dC * f;
                            if (!p.IsEmpty)
                            {
                                dCp += diPre * p[j] + dfPre * p[2 * hid + j];
                                dp[j] += diPre * cp[j];
                                dp[2 * hid + j] += dfPre * cp[j];
                            }
                            dgb[j] = diPre; dgb[hid + j] = doPre; dgb[2 * hid + j] = dfPre; dgb[3 * hid + j] = dcPre;
                            dcb[j] = dCp;
                        }
                        dhpb.Clear();
                        break;
                    }
                }
            }
            if (gru)
            {
                if (lbr) Mm.Multiply(batch, hid, hid, dq, hid, rh, hid, dhp, hid, accumulate: true);
                else
                {
                    // d(r * Hprev) = dhh_pre R_h: the reset gate's gradient needs it first.
                    Mm.Multiply(batch, hid, hid, dq, hid, rh, hid, drh, hid);
                    for (int b = 0; b < batch; b++)
                    {
                        if (!Valid(a.Lengths, b, t)) continue;
                        var hp = sv.HPrev.AsSpan((t * batch + b) * hid, hid);
                        var gb = g.Slice(b * gh, gh);
                        var dgb = dg.Slice(b * gh, gh);
                        for (int j = 0; j < hid; j++)
                        {
                            T rr = gb[hid + j], dx1 = drh[b * hid + j];
                            dgb[hid + j] = dx1 * hp[j] * rr * (T.One - rr);
                            dhp[b * hid + j] += dx1 * rr;
                        }
                    }
                }
            }
            Mm.Multiply(batch, hid, rowsRecurrent, dg, gh, r, hid, dhp, hid, accumulate: true);
            (dh, dhp) = (dhp, dh);
        }
        if (!dh0.IsEmpty) dh.CopyTo(dh0);
        if (lstm && !dc0.IsEmpty) dc.CopyTo(dc0);
        int rows = steps * batch;
        // Accumulating into cleared outputs also covers an empty sequence (k = 0).
        dw.Clear(); dr.Clear();
        Mm.Multiply(true, false, gh, inp, rows, dG, gh, a.X, inp, dw, inp, accumulate: true);
        Mm.Multiply(false, false, rows, inp, gh, dG, gh, w, inp, dx, inp, accumulate: true);
        Mm.Multiply(true, false, rowsRecurrent, hid, rows, dG, gh, sv.HPrev, hid, dr, hid, accumulate: true);
        if (gru) Mm.Multiply(true, false, hid, hid, rows, dRh, hid, lbr ? sv.HPrev : sv.Aux, hid, dr.Slice(2 * hid * hid), hid, accumulate: true);
        if (!dbias.IsEmpty)
        {
            dbias.Clear();
            for (int row = 0; row < rows; row++)
            {
                var dgr = dG.AsSpan(row * gh, gh);
                for (int j = 0; j < gh; j++) dbias[j] += dgr[j];
                if (gru)
                {
                    for (int j = 0; j < 2 * hid; j++) dbias[gh + j] += dgr[j];
                    var dqr = dRh.AsSpan(row * hid, hid);
                    for (int j = 0; j < hid; j++) dbias[gh + 2 * hid + j] += dqr[j];
                }
                else for (int j = 0; j < gh; j++) dbias[gh + j] += dgr[j];
            }
        }
    }

    private static void Sigmoid<T>(Span<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var f = MemoryMarshal.Cast<T, float>(v);
            FastExp.Sigmoid(f, f);
            return;
        }
        for (int i = 0; i < v.Length; i++) v[i] = T.One / (T.One + T.Exp(-v[i]));
    }

    private static void Tanh<T>(Span<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var f = MemoryMarshal.Cast<T, float>(v);
            FastTanh.Tanh(f, f);
            return;
        }
        for (int i = 0; i < v.Length; i++) v[i] = T.Tanh(v[i]);
    }
}
