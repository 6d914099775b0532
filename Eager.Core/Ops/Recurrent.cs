using System.Numerics;
using Eager.Kernels.NN;
using static Eager.Ops;

namespace Eager;

/// <summary>Recurrent layers with ONNX's semantics: LSTM, GRU and the plain tanh RNN, forward, reverse or bidirectional.</summary>
public static partial class Ops
{
    /// <summary>
    /// An LSTM over a whole sequence, as ONNX's LSTM operator with its default activations (sigmoid, tanh, tanh).
    /// <paramref name="x"/> is [steps, batch, input] (layout 1: [batch, steps, input]); <paramref name="w"/>
    /// [directions, 4 * hidden, input] and <paramref name="r"/> [directions, 4 * hidden, hidden] hold the gates in the order
    /// i, o, f, c; <paramref name="bias"/> is [directions, 8 * hidden] (input biases, then recurrent biases); the initial
    /// states are [directions, batch, hidden]; <paramref name="peepholes"/> [directions, 3 * hidden] (i, o, f).
    /// <paramref name="sequenceLengths"/> (int32 or int64, [batch]) stops each batch entry after its length: Y is zero
    /// past it and the final states are those of its last valid step (in reverse, the sequence runs from its last
    /// valid step back to the first). Returns Y [steps, directions, batch, hidden] (layout 1: [batch, steps, directions,
    /// hidden]) and the last hidden and cell states [directions, batch, hidden] (layout 1: [batch, directions, hidden]).
    /// Every float input has a gradient (first order only).
    /// </summary>
    /// <param name="direction">"forward", "reverse" or "bidirectional" (two directions; the second runs backwards).</param>
    /// <exception cref="ArgumentException">Shapes or dtypes that do not fit together, naming the op.</exception>
    public static (Tensor Y, Tensor Yh, Tensor Yc) Lstm(Tensor x, Tensor w, Tensor r, Tensor? bias = null, Tensor? sequenceLengths = null,
        Tensor? initialH = null, Tensor? initialC = null, Tensor? peepholes = null, string direction = "forward", int layout = 0)
    {
        var o = RecurrentOps.Apply(RecurrentOps.LstmDef, x, w, r, bias, sequenceLengths, initialH, initialC, peepholes, direction, false, layout);
        return (o[0], o[1], o[2]);
    }

    /// <summary>
    /// A GRU over a whole sequence, as ONNX's GRU operator with its default activations (sigmoid, tanh): gates in the
    /// order z, r, h, so <paramref name="w"/> is [directions, 3 * hidden, input], <paramref name="r"/> [directions,
    /// 3 * hidden, hidden] and <paramref name="bias"/> [directions, 6 * hidden]. <paramref name="linearBeforeReset"/>
    /// applies the reset gate after the recurrent product (as cuDNN and PyTorch do). The rest is as in
    /// <see cref="Lstm"/>; returns Y and the last hidden state.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or dtypes that do not fit together, naming the op.</exception>
    public static (Tensor Y, Tensor Yh) Gru(Tensor x, Tensor w, Tensor r, Tensor? bias = null, Tensor? sequenceLengths = null,
        Tensor? initialH = null, string direction = "forward", bool linearBeforeReset = false, int layout = 0)
    {
        var o = RecurrentOps.Apply(RecurrentOps.GruDef, x, w, r, bias, sequenceLengths, initialH, null, null, direction, linearBeforeReset, layout);
        return (o[0], o[1]);
    }

    /// <summary>
    /// A plain recurrent layer H = tanh(X W' + H R' + Wb + Rb) over a whole sequence, as ONNX's RNN operator with its
    /// default activation: <paramref name="w"/> is [directions, hidden, input], <paramref name="r"/> [directions, hidden,
    /// hidden], <paramref name="bias"/> [directions, 2 * hidden]. The rest is as in <see cref="Lstm"/>; returns Y and the
    /// last hidden state.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or dtypes that do not fit together, naming the op.</exception>
    public static (Tensor Y, Tensor Yh) Rnn(Tensor x, Tensor w, Tensor r, Tensor? bias = null, Tensor? sequenceLengths = null,
        Tensor? initialH = null, string direction = "forward", int layout = 0)
    {
        var o = RecurrentOps.Apply(RecurrentOps.RnnDef, x, w, r, bias, sequenceLengths, initialH, null, null, direction, false, layout);
        return (o[0], o[1]);
    }
}

internal static class RecurrentOps
{
    internal const string LstmName = "Lstm", GruName = "Gru", RnnName = "Rnn";
    internal const string LstmGradName = "LstmGrad", GruGradName = "GruGrad", RnnGradName = "RnnGrad";

    // ONNX's input slots: X, W, R, B, sequence_lens, initial_h, initial_c, P. The "present" attribute has one bit per
    // optional slot (3 to 7); the op's inputs are the present slots in order.
    private const int SlotB = 3, SlotLens = 4, SlotH = 5, SlotC = 6, SlotP = 7;

    internal static Tensor[] Apply(OpDef op, Tensor x, Tensor w, Tensor r, Tensor? bias, Tensor? lengths, Tensor? h0, Tensor? c0, Tensor? p,
        string direction, bool linearBeforeReset, int layout)
    {
        ArgumentNullException.ThrowIfNull(x); ArgumentNullException.ThrowIfNull(w); ArgumentNullException.ThrowIfNull(r);
        if (direction is not ("forward" or "reverse" or "bidirectional"))
            throw new ArgumentException($"{op.Name}: direction must be \"forward\", \"reverse\" or \"bidirectional\", got \"{direction}\".");
        if (layout is not (0 or 1)) throw new ArgumentException($"{op.Name}: layout must be 0 or 1, got {layout}.");
        if (lengths is not null)
        {
            if (lengths.DType is not (DType.Int32 or DType.Int64))
                throw new ArgumentException($"{op.Name}: sequence lengths must be int32 or int64, got {lengths.DType.Name()}{lengths.Shape}.");
            if (lengths.DType == DType.Int64) lengths = Cast(lengths, DType.Int32);
        }
        if (layout == 1)
        {
            if (x.Rank != 3) throw new ArgumentException($"{op.Name}: x must be [batch, steps, input] with layout 1, got {x.DType.Name()}{x.Shape}.");
            x = Transpose(x, [1, 0, 2]);
            if (h0 is not null) h0 = Transpose(h0, [1, 0, 2]);
            if (c0 is not null) c0 = Transpose(c0, [1, 0, 2]);
        }
        Tensor?[] slots = [x, w, r, bias, lengths, h0, c0, p];
        int present = 0;
        for (int s = SlotB; s <= SlotP; s++) if (slots[s] is not null) present |= 1 << s;
        var attrs = new Attrs { { "direction", direction }, { "present", present } };
        if (op == GruDef) attrs.Add("linear_before_reset", linearBeforeReset);
        // A copy: the dispatcher's array is the one the tape and the graph node keep.
        var o = Dispatcher.Apply(op, slots.Where(t => t is not null).ToArray()!, attrs).ToArray();
        if (layout == 1)
        {
            o[0] = Transpose(o[0], [2, 0, 1, 3]);
            for (int i = 1; i < o.Length; i++) o[i] = Transpose(o[i], [1, 0, 2]);
        }
        return o;
    }

    /// <summary>For each ONNX slot, its index among the op's inputs, or -1 when absent.</summary>
    private static int[] Slots(Attrs a)
    {
        int present = a.Int("present"), next = 0;
        var slots = new int[8];
        for (int s = 0; s < 8; s++) slots[s] = s < SlotB || (present & (1 << s)) != 0 ? next++ : -1;
        return slots;
    }

    private static RecurrentCell CellOf(string op) => op switch { LstmName => RecurrentCell.Lstm, GruName => RecurrentCell.Gru, _ => RecurrentCell.Rnn };

    private static int Gates(RecurrentCell cell) => cell switch { RecurrentCell.Rnn => 1, RecurrentCell.Gru => 3, _ => 4 };

    private static bool Fits(int have, int want) => have < 0 || want < 0 || have == want;

    /// <summary>Checks the operands and returns the layer's sizes (-1 where unknown) and the output specs.</summary>
    private static (int Steps, int Batch, int Input, int Hidden, int Directions, TensorSpec[] Outputs) Infer(string op, Tensor[] x, Attrs a)
    {
        var cell = CellOf(op);
        var slots = Slots(a);
        int expected = slots.Count(s => s >= 0);
        if (x.Length != expected) throw new ArgumentException($"{op}: expects {expected} inputs for present = {a.Int("present")}, got {x.Length}.");
        if (cell != RecurrentCell.Lstm && (slots[SlotC] >= 0 || slots[SlotP] >= 0))
            throw new ArgumentException($"{op}: initial_c and peepholes belong to the LSTM only.");
        var xs = x[0]; var w = x[1]; var r = x[2];
        string Describe() => string.Join(", ", x.Select(t => t.DType.Name() + t.Shape));
        if (!xs.DType.IsFloating) throw new ArgumentException($"{op}: x must be a float tensor, got {xs.DType.Name()}{xs.Shape}.");
        for (int s = 0; s < 8; s++)
            if (s != SlotLens && slots[s] >= 0 && x[slots[s]].DType != xs.DType)
                throw new ArgumentException($"{op}: every float operand must share x's dtype; got {Describe()}.");
        if (xs.Rank != 3 || w.Rank != 3 || r.Rank != 3)
            throw new ArgumentException($"{op}: x [steps, batch, input], W [directions, gates * hidden, input] and R [directions, gates * hidden, hidden] must be rank 3; got {Describe()}.");
        string direction = a.String("direction");
        int nd = direction == "bidirectional" ? 2 : 1, g = Gates(cell);
        int hid = r.Shape[2] >= 0 ? r.Shape[2] : r.Shape[1] >= 0 ? r.Shape[1] / g : w.Shape[1] >= 0 ? w.Shape[1] / g : -1;
        if (hid == 0) throw new ArgumentException($"{op}: the hidden size (R's last dimension) is zero; got {Describe()}.");
        int steps = xs.Shape[0], batch = xs.Shape[1], inp = xs.Shape[2];
        bool ok = Fits(w.Shape[0], nd) && Fits(w.Shape[1], g * hid) && Fits(w.Shape[2], inp)
            && Fits(r.Shape[0], nd) && Fits(r.Shape[1], g * hid) && Fits(r.Shape[2], hid);
        bool ShapeIs(int slot, params int[] dims) =>
            slots[slot] < 0 || (x[slots[slot]].Rank == dims.Length && dims.Select((d, i) => Fits(x[slots[slot]].Shape[i], d)).All(f => f));
        ok = ok && ShapeIs(SlotB, nd, 2 * g * hid) && ShapeIs(SlotLens, batch) && ShapeIs(SlotH, nd, batch, hid)
            && ShapeIs(SlotC, nd, batch, hid) && ShapeIs(SlotP, nd, 3 * hid);
        if (!ok)
            throw new ArgumentException($"{op}: operand shapes do not fit {direction} with {nd} direction(s), {g} gate(s), hidden size {hid} " +
                $"(x [steps, batch, input], W [{nd}, {g * hid}, input], R [{nd}, {g * hid}, {hid}], B [{nd}, {2 * g * hid}], sequence_lens [batch], " +
                $"initial states [{nd}, batch, {hid}], P [{nd}, {3 * hid}]); got {Describe()}.");
        if (slots[SlotLens] >= 0 && x[slots[SlotLens]].DType != DType.Int32)
            throw new ArgumentException($"{op}: sequence_lens must be int32, got {x[slots[SlotLens]].DType.Name()}.");
        var state = new TensorSpec(new Shape(nd, batch, hid), xs.DType);
        TensorSpec[] outs = cell == RecurrentCell.Lstm
            ? [new TensorSpec(new Shape(steps, nd, batch, hid), xs.DType), state, state]
            : [new TensorSpec(new Shape(steps, nd, batch, hid), xs.DType), state];
        return (steps, batch, inp, hid, nd, outs);
    }

    private static RecurrentShape ShapeOf(string op, Tensor[] x, Attrs a)
    {
        var (steps, batch, inp, hid, nd, _) = Infer(op, x, a);
        return new RecurrentShape(CellOf(op), steps, batch, inp, hid, nd, a.String("direction") == "reverse",
            a.Get("linear_before_reset", false));
    }

    private static int[]? Lengths(string op, Tensor[] x, Attrs a, int steps)
    {
        int slot = Slots(a)[SlotLens];
        if (slot < 0) return null;
        var lengths = x[slot].ToArray<int>();
        foreach (var l in lengths)
            if (l < 0 || l > steps) throw new ArgumentException($"{op}: sequence length {l} is outside 0 .. {steps} (the steps of x).");
        return lengths;
    }

    private static ReadOnlySpan<T> Opt<T>(Tensor[] x, int[] slots, int slot) where T : unmanaged =>
        slots[slot] < 0 ? default : x[slots[slot]].Span<T>();

    private static Tensor[] Forward(string op, Tensor[] inputs, Attrs a)
    {
        var specs = Infer(op, inputs, a).Outputs;
        var x = inputs.Select(t => t.Contiguous()).ToArray();
        var s = ShapeOf(op, x, a);
        var lengths = Lengths(op, x, a, s.Steps);
        var outs = specs.Select(sp => Tensor.Empty(sp.Shape, sp.DType)).ToArray();
        if (x[0].DType == DType.Float32) RunForward<float>(s, x, a, lengths, outs);
        else RunForward<double>(s, x, a, lengths, outs);
        foreach (var t in x) t.KeepAlive();
        return outs;
    }

    private static void RunForward<T>(in RecurrentShape s, Tensor[] x, Attrs a, int[]? lengths, Tensor[] outs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var slots = Slots(a);
        var inputs = new RecurrentInputs<T>(x[0].Span<T>(), x[1].Span<T>(), x[2].Span<T>(), Opt<T>(x, slots, SlotB), lengths,
            Opt<T>(x, slots, SlotH), Opt<T>(x, slots, SlotC), Opt<T>(x, slots, SlotP));
        Recurrent.Forward(s, inputs, outs[0].Span<T>(), outs[1].Span<T>(), outs.Length > 2 ? outs[2].Span<T>() : default);
    }

    private static int OutputCount(string op) => CellOf(op) == RecurrentCell.Lstm ? 3 : 2;

    // The gradient op's inputs: the forward inputs, then the gradients of Y, Y_h (and Y_c). Its outputs: the gradient
    // of every forward input but sequence_lens, in order.
    private static TensorSpec[] GradInfer(string op, Tensor[] x, Attrs a)
    {
        int n = x.Length - OutputCount(op);
        var fwd = x[..n];
        var outSpecs = Infer(op, fwd, a).Outputs;
        for (int i = 0; i < outSpecs.Length; i++)
            if (x[n + i].DType != outSpecs[i].DType || !outSpecs[i].Shape.IsCompatibleWith(x[n + i].Shape))
                throw new ArgumentException($"{op}Grad: the gradient of output {i} is {x[n + i].DType.Name()}{x[n + i].Shape}, the output is {outSpecs[i].DType.Name()}{outSpecs[i].Shape}.");
        int lens = Slots(a)[SlotLens];
        return fwd.Where((_, i) => i != lens).Select(TensorSpec.Of).ToArray();
    }

    private static Tensor[] Backward(string op, Tensor[] inputs, Attrs a)
    {
        var specs = GradInfer(op, inputs, a);
        var x = inputs.Select(t => t.Contiguous()).ToArray();
        int n = x.Length - OutputCount(op);
        var s = ShapeOf(op, x[..n], a);
        var lengths = Lengths(op, x, a, s.Steps);
        var outs = specs.Select(sp => Tensor.Empty(sp.Shape, sp.DType)).ToArray();
        if (x[0].DType == DType.Float32) RunBackward<float>(s, x, n, a, lengths, outs);
        else RunBackward<double>(s, x, n, a, lengths, outs);
        foreach (var t in x) t.KeepAlive();
        return outs;
    }

    private static void RunBackward<T>(in RecurrentShape s, Tensor[] x, int n, Attrs a, int[]? lengths, Tensor[] outs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var slots = Slots(a);
        var inputs = new RecurrentInputs<T>(x[0].Span<T>(), x[1].Span<T>(), x[2].Span<T>(), Opt<T>(x, slots, SlotB), lengths,
            Opt<T>(x, slots, SlotH), Opt<T>(x, slots, SlotC), Opt<T>(x, slots, SlotP));
        // Gradient outputs skip sequence_lens: map each slot to its output.
        Span<T> Out(int slot)
        {
            if (slots[slot] < 0) return default;
            int i = slots[slot] - (slots[SlotLens] >= 0 && slots[slot] > slots[SlotLens] ? 1 : 0);
            return outs[i].Span<T>();
        }
        bool lstm = s.Cell == RecurrentCell.Lstm;
        Recurrent.Backward(s, inputs, x[n].Span<T>(), x[n + 1].Span<T>(), lstm ? x[n + 2].Span<T>() : default,
            Out(0), Out(1), Out(2), Out(SlotB), Out(SlotH), Out(SlotC), Out(SlotP));
    }

    // The gradient ops run the backward pass; they have no gradient themselves (first order only) and no ONNX form.
    private static OpDef DefineGrad(string name, string gradName) =>
        new(gradName, (x, a) => GradInfer(name, x, a), (x, a) => Backward(name, x, a)) { NoOnnx = OnnxMap.BackwardOnly };

    private static OpDef Define(string name, OpDef grad, string onnxName)
    {
        return new OpDef(name, (x, a) => Infer(name, x, a).Outputs, (x, a) => Forward(name, x, a))
        {
            Gradient = c =>
            {
                var dys = Enumerable.Range(0, c.Outputs.Length).Select(c.GradOf);
                var g = Dispatcher.Apply(grad, [.. c.Inputs, .. dys], c.Attrs);
                int lens = Slots(c.Attrs)[SlotLens], j = 0;
                return c.Inputs.Select((_, i) => i == lens ? null : g[j++]).ToArray();
            },
            Onnx = e => ExportOnnx(e, onnxName),
        };
    }

    private static void ExportOnnx(IOnnxEmitter e, string onnxName)
    {
        var a = e.Node.Attrs;
        var slots = Slots(a);
        int last = Array.FindLastIndex(slots, s => s >= 0);
        var inputs = slots.Take(last + 1).Select(s => s >= 0 ? e.Input(s) : "").ToArray();
        var outputs = Enumerable.Range(0, e.Node.Outputs.Length).Select(e.Output).ToArray();
        var hidden = e.Node.Inputs[2].Shape[2];
        if (hidden < 0) throw new NotSupportedException($"ONNX export of {e.Node.Op.Name}: the hidden size (R's last dimension) must be known.");
        var attrs = new List<(string, object)> { ("direction", a.String("direction")), ("hidden_size", (long)hidden) };
        if (onnxName == "GRU") attrs.Add(("linear_before_reset", a.Get("linear_before_reset", false) ? 1L : 0L));
        e.Add(onnxName, inputs, outputs, [.. attrs]);
    }

    internal static readonly OpDef LstmGradDef = DefineGrad(LstmName, LstmGradName);
    internal static readonly OpDef GruGradDef = DefineGrad(GruName, GruGradName);
    internal static readonly OpDef RnnGradDef = DefineGrad(RnnName, RnnGradName);
    internal static readonly OpDef LstmDef = Define(LstmName, LstmGradDef, "LSTM");
    internal static readonly OpDef GruDef = Define(GruName, GruGradDef, "GRU");
    internal static readonly OpDef RnnDef = Define(RnnName, RnnGradDef, "RNN");
}
