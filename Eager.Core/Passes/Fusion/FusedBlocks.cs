using System.Collections.Concurrent;
using System.Numerics;

namespace Eager;

/// <summary>
/// A fused program ready to run over blocks of lanes: each instruction runs its op's own lane kernel
/// (<see cref="LaneDef"/>) over one block at a time, reading and writing scratch runs that stay in cache, so inputs are
/// read from memory once and intermediates never reach it (numexpr's design). Nothing is generated at run time, so
/// it runs the same in Native AOT executables and file-based apps as under the JIT.
/// </summary>
/// <remarks>
/// Operands live in slots: the inputs, the program's constants, scratch temporaries reused once their last reader
/// has run, and the outputs. An output is written straight into its result when no later instruction reads an input
/// (a Session may hand an input's buffer to the result); otherwise it is computed into scratch and copied at the end of
/// the block.
/// </remarks>
internal sealed class FusedBlocks<T> where T : unmanaged, INumberBase<T>
{
    /// <summary>Lanes per block: a few instructions' operands (4 KiB each in float32) stay in L1.</summary>
    internal static int BlockSize { get; set; } = 1024;

    private static readonly ConcurrentDictionary<string, FusedBlocks<T>> Cache = new(StringComparer.Ordinal);

    private readonly record struct Step(LaneFn<T> Fn, LaneFn<T>? ScalarFn, bool Commutative, int A, int B, int C, int Dst, double Attr);

    private FusedBlocks(int inputs, double[] constants, int temps, int outputs, Step[] steps, (int From, int To)[] copies)
    {
        Inputs = inputs; Constants = constants; Temps = temps; Outputs = outputs; Steps = steps; Copies = copies;
    }

    /// <summary>Number of input slots (slots 0 .. Inputs - 1).</summary>
    public int Inputs { get; }

    /// <summary>The constants' values (the slots after the inputs).</summary>
    public double[] Constants { get; }

    /// <summary>Number of scratch temporaries (the slots after the constants).</summary>
    public int Temps { get; }

    /// <summary>Number of outputs (the last slots).</summary>
    public int Outputs { get; }

    private Step[] Steps { get; }

    private (int From, int To)[] Copies { get; }

    /// <summary>Total slot count.</summary>
    public int Slots => Inputs + Constants.Length + Temps + Outputs;

    /// <summary>The slot of output j.</summary>
    public int OutputSlot(int j) => Inputs + Constants.Length + Temps + j;

    /// <summary>The block plan of <paramref name="program"/> writing <paramref name="outputs"/>, cached by text.</summary>
    public static FusedBlocks<T> Get(FusedProgram program, int[] outputs) =>
        Cache.GetOrAdd(string.Join(",", outputs) + "|" + program.Text, _ => Build(program, outputs));

    private static FusedBlocks<T> Build(FusedProgram program, int[] outputs)
    {
        var code = program.Code;
        int nIn = program.InputCount;
        var constants = new List<double>();
        int ConstantSlot(double v)
        {
            int k = constants.FindIndex(c => BitConverter.DoubleToInt64Bits(c) == BitConverter.DoubleToInt64Bits(v));
            if (k < 0) { k = constants.Count; constants.Add(v); }
            return nIn + k;
        }
        foreach (var ins in code)
            foreach (var a in ins.Args)
                if (a.Kind == FusedProgram.ArgKind.Constant) ConstantSlot(a.Value);
        int tempBase = nIn + constants.Count;

        int lastInputRead = -1;
        var lastUse = new int[code.Length];
        for (int i = 0; i < code.Length; i++)
        {
            lastUse[i] = -1;
            foreach (var a in code[i].Args)
            {
                if (a.Kind == FusedProgram.ArgKind.Input) lastInputRead = i;
                if (a.Kind == FusedProgram.ArgKind.Temp) lastUse[a.Index] = i;
            }
        }
        var firstOutput = new int[code.Length];
        Array.Fill(firstOutput, -1);
        for (int j = 0; j < outputs.Length; j++)
            if (firstOutput[outputs[j]] < 0) firstOutput[outputs[j]] = j;

        // Temporaries get scratch slots by first fit; indices are relative to tempBase until the output slots are known.
        var location = new int[code.Length];
        var direct = new bool[code.Length];
        var busy = new List<bool>();
        var steps = new List<(LaneDef Lanes, int[] Args, int Dst, bool DstIsOutput, double Attr)>();
        for (int i = 0; i < code.Length; i++)
        {
            var ins = code[i];
            var args = ins.Args.Select(a => a.Kind switch
            {
                FusedProgram.ArgKind.Input => a.Index,
                FusedProgram.ArgKind.Constant => ConstantSlot(a.Value),
                _ => direct[a.Index] ? -1 - location[a.Index] : tempBase + location[a.Index],
            }).ToArray();
            int dst;
            if (firstOutput[i] >= 0 && i >= lastInputRead)
            {
                direct[i] = true;
                dst = location[i] = firstOutput[i];
            }
            else
            {
                dst = busy.IndexOf(false);
                if (dst < 0) { dst = busy.Count; busy.Add(false); }
                busy[dst] = true;
                location[i] = dst;
            }
            // Operands are freed after the destination is taken, so a lane kernel never writes over an operand it still reads.
            foreach (var a in ins.Args)
                if (a.Kind == FusedProgram.ArgKind.Temp && !direct[a.Index] && lastUse[a.Index] == i && firstOutput[a.Index] < 0)
                    busy[location[a.Index]] = false;
            if (!direct[i] && lastUse[i] < 0 && firstOutput[i] < 0) busy[location[i]] = false;
            steps.Add((ins.Lanes, args, dst, direct[i], ins.Attr));
        }
        int temps = busy.Count, outBase = tempBase + temps;
        int Resolve(int slot) => slot < 0 ? outBase + (-1 - slot) : slot;
        var plan = steps.Select(s => new Step(s.Lanes.For<T>(), s.Lanes.ScalarFor<T>(), s.Lanes.Commutative,
            s.Args.Length > 0 ? Resolve(s.Args[0]) : 0, s.Args.Length > 1 ? Resolve(s.Args[1]) : 0, s.Args.Length > 2 ? Resolve(s.Args[2]) : 0,
            s.DstIsOutput ? outBase + s.Dst : tempBase + s.Dst, s.Attr)).ToArray();
        var copies = new List<(int, int)>();
        for (int j = 0; j < outputs.Length; j++)
        {
            int i = outputs[j];
            int from = direct[i] ? outBase + location[i] : tempBase + location[i];
            if (from != outBase + j) copies.Add((from, outBase + j));
        }
        return new FusedBlocks<T>(nIn, [.. constants], temps, outputs.Length, plan, [.. copies]);
    }

    /// <summary>Runs every instruction over lanes [0, count) of the slots (array and offset per slot), then copies the
    /// outputs that were computed in scratch. A slot marked in <paramref name="isScalar"/> holds one value for every lane
    /// (<paramref name="scalars"/>), which ops with a scalar form take as such.</summary>
    public void RunBlock(T[][] arrays, int[] offsets, bool[] isScalar, T[] scalars, int count)
    {
        foreach (var s in Steps)
        {
            var dst = arrays[s.Dst].AsSpan(offsets[s.Dst], count);
            if (s.ScalarFn is { } scalarFn && (isScalar[s.B] || (s.Commutative && isScalar[s.A])))
            {
                var (a, b) = isScalar[s.B] ? (s.A, s.B) : (s.B, s.A);
                var args = new LaneArgs<T>(SpanOf(arrays, offsets, a, count), default, default, s.Attr, scalars[b]);
                scalarFn(in args, dst);
            }
            else
            {
                var args = new LaneArgs<T>(SpanOf(arrays, offsets, s.A, count), SpanOf(arrays, offsets, s.B, count), SpanOf(arrays, offsets, s.C, count), s.Attr);
                s.Fn(in args, dst);
            }
        }
        foreach (var (from, to) in Copies)
            SpanOf(arrays, offsets, from, count).CopyTo(arrays[to].AsSpan(offsets[to], count));
    }

    private static ReadOnlySpan<T> SpanOf(T[][] arrays, int[] offsets, int slot, int count) => arrays[slot].AsSpan(offsets[slot], count);
}
