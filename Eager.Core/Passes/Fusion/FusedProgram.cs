using System.Collections.Concurrent;
using System.Globalization;

namespace Eager;

/// <summary>
/// The straight-line program of a fused element-wise node, held as text in its "program" attribute so graphs
/// with fused nodes can be printed and saved: instructions separated by ';', each <c>Op(args)</c> or
/// <c>Op{attr}(args)</c>, where an argument is <c>i3</c> (input 3), <c>t2</c> (the result of instruction 2) or
/// <c>#0.5</c> (a scalar constant, round-trip formatted). Example: <c>Multiply(i0,#0.5);Tanh(t0);Add(t1,i1)</c>.
/// </summary>
internal sealed class FusedProgram
{
    private static readonly ConcurrentDictionary<string, FusedProgram> Parsed = new(StringComparer.Ordinal);

    private FusedProgram(string text, Instruction[] code, int inputCount)
    {
        Text = text;
        Code = code;
        InputCount = inputCount;
    }

    /// <summary>What an argument refers to.</summary>
    public enum ArgKind { Input, Temp, Constant }

    /// <summary>One argument.</summary>
    public readonly record struct Arg(ArgKind Kind, int Index, double Value)
    {
        public override string ToString() => Kind switch
        {
            ArgKind.Input => "i" + Index.ToString(CultureInfo.InvariantCulture),
            ArgKind.Temp => "t" + Index.ToString(CultureInfo.InvariantCulture),
            _ => "#" + Value.ToString("R", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>One instruction: an element-wise op (one with <see cref="OpDef.Lanes"/>), its attribute (alpha, approximate) and arguments.</summary>
    public sealed record Instruction(OpDef Op, double Attr, Arg[] Args)
    {
        /// <summary>The op's lanes.</summary>
        public LaneDef Lanes => Op.Lanes!;

        public override string ToString() =>
            Op.Name + (Lanes.Attr is not null ? "{" + Attr.ToString("R", CultureInfo.InvariantCulture) + "}" : "") + "(" + string.Join(",", Args) + ")";
    }

    /// <summary>The program text.</summary>
    public string Text { get; }

    /// <summary>The instructions in order.</summary>
    public Instruction[] Code { get; }

    /// <summary>Number of inputs it reads (one more than the highest input index).</summary>
    public int InputCount { get; }

    /// <summary>Formats instructions as program text.</summary>
    public static string Format(IEnumerable<Instruction> code) => string.Join(";", code);

    /// <summary>The parsed program (cached by text).</summary>
    /// <exception cref="ArgumentException">The text is not a valid program.</exception>
    public static FusedProgram Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Parsed.TryGetValue(text, out var p)) return p;
        p = ParseNew(text);
        Parsed.TryAdd(text, p);
        return p;
    }

    private static FusedProgram ParseNew(string text)
    {
        if (text.Length == 0) throw Bad(text, "it is empty");
        var parts = text.Split(';');
        var code = new Instruction[parts.Length];
        int inputs = 0;
        for (int i = 0; i < parts.Length; i++)
        {
            var s = parts[i];
            int open = s.IndexOf('('), brace = s.IndexOf('{');
            if (open <= 0 || !s.EndsWith(')')) throw Bad(text, $"instruction {i} ('{s}') is not Op(args)");
            int nameEnd = brace > 0 && brace < open ? brace : open;
            var name = s[..nameEnd];
            var op = FusedOps.Find(name) ?? throw Bad(text, $"instruction {i} uses '{name}', which is not an element-wise op that can be fused");
            double attr = 0;
            if (nameEnd == brace)
            {
                int close = s.IndexOf('}');
                if (close < brace || close + 1 != open || !double.TryParse(s[(brace + 1)..close], NumberStyles.Float, CultureInfo.InvariantCulture, out attr))
                    throw Bad(text, $"instruction {i} ('{s}') has a malformed {{attribute}}");
            }
            bool hasAttr = op.Lanes!.Attr is not null;
            if (hasAttr != (nameEnd == brace)) throw Bad(text, $"instruction {i} ('{s}'): {name} {(hasAttr ? "needs" : "takes no")} {{attribute}}");
            var argText = s[(open + 1)..^1];
            var args = argText.Length == 0 ? [] : argText.Split(',').Select(a => ParseArg(text, i, a)).ToArray();
            if (args.Length != op.Lanes.Arity) throw Bad(text, $"instruction {i} ('{s}'): {name} takes {op.Lanes.Arity} arguments");
            foreach (var a in args)
            {
                if (a.Kind == ArgKind.Temp && a.Index >= i) throw Bad(text, $"instruction {i} reads t{a.Index}, which is not computed before it");
                if (a.Kind == ArgKind.Input) inputs = Math.Max(inputs, a.Index + 1);
            }
            code[i] = new Instruction(op, attr, args);
        }
        var p = new FusedProgram(text, code, inputs);
        p.CheckKinds();
        return p;
    }

    private static Arg ParseArg(string text, int at, string a)
    {
        if (a.Length >= 2 && (a[0] == 'i' || a[0] == 't') && int.TryParse(a.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int k))
            return new Arg(a[0] == 'i' ? ArgKind.Input : ArgKind.Temp, k, 0);
        if (a.Length >= 2 && a[0] == '#' && double.TryParse(a.AsSpan(1), NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            return new Arg(ArgKind.Constant, 0, v);
        throw Bad(text, $"instruction {at} has the argument '{a}'; expected i<n>, t<n> or #<number>");
    }

    /// <summary>Masks (comparison results) go only where masks are expected, values only where values are.</summary>
    private void CheckKinds()
    {
        for (int i = 0; i < Code.Length; i++)
        {
            var ins = Code[i];
            for (int k = 0; k < ins.Args.Length; k++)
            {
                bool isMask = ins.Args[k].Kind == ArgKind.Temp && Code[ins.Args[k].Index].Lanes.ProducesMask;
                if (isMask != ins.Lanes.TakesMask(k))
                    throw Bad(Text, $"instruction {i} ({ins}) gets a {(isMask ? "comparison result" : "number")} as argument {k}; it expects a {(isMask ? "number" : "comparison result")}");
            }
        }
    }

    /// <summary>The shape of every instruction's result for inputs of these shapes (NumPy broadcasting, -1 allowed).</summary>
    /// <exception cref="ArgumentException">Shapes that do not broadcast, naming the instruction's op.</exception>
    public Shape[] Shapes(ReadOnlySpan<Tensor> inputs)
    {
        var shapes = new Shape[Code.Length];
        for (int i = 0; i < Code.Length; i++)
        {
            var ins = Code[i];
            var s = Shape.Scalar;
            foreach (var a in ins.Args)
            {
                var sa = a.Kind switch { ArgKind.Input => inputs[a.Index].Shape, ArgKind.Temp => shapes[a.Index], _ => Shape.Scalar };
                s = Broadcasting.Shape(ins.Op.Name, s, sa);
            }
            shapes[i] = s;
        }
        return shapes;
    }

    /// <summary>Runs the program op by op with each op's own kernel (for cases the compiled loop does not cover).</summary>
    public Tensor[] Interpret(Tensor[] inputs, int[] outputs, DType dtype)
    {
        var values = new Tensor[Code.Length];
        using (Graph.EagerScope())
        using (GradientTape.NoGradient())
        {
            for (int i = 0; i < Code.Length; i++)
            {
                var ins = Code[i];
                var args = ins.Args.Select(a => a.Kind switch
                {
                    ArgKind.Input => inputs[a.Index],
                    ArgKind.Temp => values[a.Index],
                    _ => Tensor.Scalar(a.Value, dtype),
                }).ToArray();
                values[i] = ins.Op.Compute(args, ins.Lanes.AttrsOf(ins.Attr))[0];
            }
        }
        return [.. outputs.Select(o => values[o])];
    }

    private static ArgumentException Bad(string text, string why) =>
        new($"FusedElementwise: the program \"{(text.Length > 200 ? text[..200] + "..." : text)}\" is invalid: {why}.");

    /// <inheritdoc/>
    public override string ToString() => Text;

    /// <summary>Builds program text instruction by instruction (used by the fusion pass).</summary>
    internal sealed class Builder
    {
        private readonly List<Instruction> code = [];

        public int Count => code.Count;

        public Arg Add(OpDef op, double attr, params Arg[] args)
        {
            code.Add(new Instruction(op, attr, args));
            return new Arg(ArgKind.Temp, code.Count - 1, 0);
        }

        public string Build() => Format(code);

        public override string ToString() => Build();
    }
}
