using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Eager.Kernels.Random;

namespace Eager;

public sealed partial class Tensor
{
    private static long unseededCounter = Environment.TickCount64;

    /// <summary>A rank-1 tensor copied from <paramref name="data"/> (float, double, Half, BFloat16, int, long, sbyte,
    /// byte or bool; the dtype follows the element type).</summary>
    public static Tensor From<T>(T[] data) where T : unmanaged => FromSpan<T>(data, new Shape(data.Length));

    /// <summary>A tensor of the given shape copied from flat row-major <paramref name="data"/>.</summary>
    public static Tensor From<T>(T[] data, Shape shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!shape.IsFullyDefined || shape.Size != data.Length)
            throw new ArgumentException($"Tensor.From: {data.Length} elements do not fill shape {shape} ({shape.Size} elements).");
        return FromSpan<T>(data, shape);
    }

    /// <summary>A tensor of the given shape copied from flat row-major <paramref name="data"/> (for readers of
    /// checkpoints and other files: the span may be a slice of a larger buffer).</summary>
    /// <exception cref="ArgumentException">The shape is not fully defined or its size is not the span's length.</exception>
    public static Tensor From<T>(ReadOnlySpan<T> data, Shape shape) where T : unmanaged
    {
        if (!shape.IsFullyDefined || shape.Size != data.Length)
            throw new ArgumentException($"Tensor.From: {data.Length} elements do not fill shape {shape} ({shape.Size} elements).");
        return FromSpan(data, shape);
    }

    /// <summary>A rank-2 tensor copied from a 2-D array (row-major).</summary>
    public static Tensor From<T>(T[,] data) where T : unmanaged => FromMulti<T>(data);

    /// <summary>A rank-3 tensor copied from a 3-D array.</summary>
    public static Tensor From<T>(T[,,] data) where T : unmanaged => FromMulti<T>(data);

    /// <summary>A rank-4 tensor copied from a 4-D array.</summary>
    public static Tensor From<T>(T[,,,] data) where T : unmanaged => FromMulti<T>(data);

    private static Tensor FromMulti<T>(Array data) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        var dims = new int[data.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = data.GetLength(i);
        var span = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, T>(ref MemoryMarshal.GetArrayDataReference(data)), data.Length);
        return FromSpan(span, new Shape(dims));
    }

    internal static Tensor FromSpan<T>(ReadOnlySpan<T> data, Shape shape) where T : unmanaged
    {
        _ = DTypes.Of<T>();
        var t = Empty(shape, DTypes.Of<T>());
        data.CopyTo(t.Span<T>());
        return t;
    }

    /// <summary>A rank-0 tensor.</summary>
    public static Tensor Scalar(float value) => FromSpan<float>([value], Shape.Scalar);

    /// <summary>A rank-0 float64 tensor.</summary>
    public static Tensor Scalar(double value) => FromSpan<double>([value], Shape.Scalar);

    /// <summary>A rank-0 int32 tensor.</summary>
    public static Tensor Scalar(int value) => FromSpan<int>([value], Shape.Scalar);

    /// <summary>A rank-0 int64 tensor.</summary>
    public static Tensor Scalar(long value) => FromSpan<long>([value], Shape.Scalar);

    /// <summary>A rank-0 bool tensor.</summary>
    public static Tensor Scalar(bool value) => FromSpan<bool>([value], Shape.Scalar);

    /// <summary>A rank-0 float16 tensor.</summary>
    public static Tensor Scalar(Half value) => FromSpan<Half>([value], Shape.Scalar);

    /// <summary>A rank-0 bfloat16 tensor.</summary>
    public static Tensor Scalar(BFloat16 value) => FromSpan<BFloat16>([value], Shape.Scalar);

    /// <summary>A rank-0 int8 tensor.</summary>
    public static Tensor Scalar(sbyte value) => FromSpan<sbyte>([value], Shape.Scalar);

    /// <summary>A rank-0 uint8 tensor.</summary>
    public static Tensor Scalar(byte value) => FromSpan<byte>([value], Shape.Scalar);

    /// <summary>A rank-0 tensor of <paramref name="dtype"/> holding <paramref name="value"/> converted.</summary>
    public static Tensor Scalar(double value, DType dtype) => Full(Shape.Scalar, value, dtype);

    /// <summary>
    /// A rank-0 constant for a C# number used as an operand (<c>x * 2.0</c>). A few recent ones are kept per
    /// thread and shared: tensors are immutable and the caller never hands this one to user code, so sharing
    /// is safe, and it saves a tensor, a storage and an array per op in loops like <c>y = y * 1.0001 + 0.5</c>.
    /// (Never used for <see cref="Scalar(double, DType)"/>: two user scalars must stay distinct for tapes.)
    /// </summary>
    internal static Tensor Constant(double value, DType dtype)
    {
        var cache = constants ??= new ConstantEntry[ConstantSlots];
        long bits = BitConverter.DoubleToInt64Bits(value);
        for (int i = 0; i < cache.Length; i++)
        {
            ref var e = ref cache[i];
            if (e.Bits == bits && e.DType == dtype && e.Value is { } hit) return hit;
        }
        var made = Scalar(value, dtype);
        cache[nextConstant] = new ConstantEntry(bits, dtype, made);
        nextConstant = (nextConstant + 1) % ConstantSlots;
        return made;
    }

    private const int ConstantSlots = 8;

    [ThreadStatic] private static ConstantEntry[]? constants;
    [ThreadStatic] private static int nextConstant;

    private readonly record struct ConstantEntry(long Bits, DType DType, Tensor? Value);

    /// <summary>All zeros.</summary>
    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32) => Full(shape, 0, dtype);

    /// <summary>All ones.</summary>
    public static Tensor Ones(Shape shape, DType dtype = DType.Float32) => Full(shape, 1, dtype);

    /// <summary>Every element equal to <paramref name="value"/> (converted to <paramref name="dtype"/>).</summary>
    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32)
    {
        CheckCreateShape(shape, "Full");
        var t = Empty(shape, dtype);
        switch (dtype)
        {
            case DType.Float32: t.Span<float>().Fill((float)value); break;
            case DType.Float64: t.Span<double>().Fill(value); break;
            case DType.Int32: t.Span<int>().Fill((int)value); break;
            case DType.Int64: t.Span<long>().Fill((long)value); break;
            case DType.Bool: t.Span<bool>().Fill(value != 0); break;
            default:
                // The narrow dtypes: convert the one value by the Cast rules, then repeat its bytes.
                Span<byte> one = stackalloc byte[8];
                DTypeConvert.Convert(DType.Float64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<double>(in value)), dtype, one[..dtype.Size()]);
                var bytes = t.WritableBytes();
                for (int i = 0; i < bytes.Length; i += dtype.Size()) one[..dtype.Size()].CopyTo(bytes[i..]);
                break;
        }
        return t;
    }

    /// <summary>Identity matrix of <paramref name="rows"/> x <paramref name="columns"/> (square by default).</summary>
    public static Tensor Eye(int rows, int? columns = null, DType dtype = DType.Float32)
    {
        int cols = columns ?? rows;
        var values = new double[rows * cols];
        for (int i = 0; i < Math.Min(rows, cols); i++) values[i * cols + i] = 1;
        return FromDoubles(values, new Shape(rows, cols), dtype);
    }

    /// <summary>Values start, start+step, ... below stop (NumPy's arange).</summary>
    public static Tensor Arange(double start, double stop, double step = 1, DType dtype = DType.Float32)
    {
        if (step == 0) throw new ArgumentException("Arange: step must not be zero.", nameof(step));
        int n = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = start + i * step;
        return FromDoubles(values, new Shape(n), dtype);
    }

    /// <summary>Values 0 .. stop-1.</summary>
    public static Tensor Arange(int stop, DType dtype = DType.Float32) => Arange(0, stop, 1, dtype);

    /// <summary><paramref name="num"/> evenly spaced values from start to stop inclusive.</summary>
    public static Tensor Linspace(double start, double stop, int num, DType dtype = DType.Float32)
    {
        if (num < 0) throw new ArgumentException($"Linspace: num must be non-negative, got {num}.", nameof(num));
        var values = new double[num];
        for (int i = 0; i < num; i++) values[i] = num == 1 ? start : start + (stop - start) * i / (num - 1);
        return FromDoubles(values, new Shape(num), dtype);
    }

    /// <summary>Normal samples; the same seed gives the same numbers on every machine.</summary>
    public static Tensor RandomNormal(Shape shape, double mean = 0, double stddev = 1, int? seed = null, DType dtype = DType.Float32)
        => Random(shape, seed, dtype, RandomOps.RandomNormalName, (s, d) => Philox.Normal(s, d), mean, stddev);

    /// <summary>Uniform samples in [minval, maxval).</summary>
    public static Tensor RandomUniform(Shape shape, double minval = 0, double maxval = 1, int? seed = null, DType dtype = DType.Float32)
        => Random(shape, seed, dtype, RandomOps.RandomUniformName, (s, d) => Philox.Uniform(s, d), minval, maxval - minval);

    /// <summary>Normal samples redrawn outside two standard deviations.</summary>
    public static Tensor TruncatedNormal(Shape shape, double mean = 0, double stddev = 1, int? seed = null, DType dtype = DType.Float32)
        => Random(shape, seed, dtype, "TruncatedNormal", (s, d) => Philox.TruncatedNormal(s, d), mean, stddev);

    private delegate void Sampler(ulong seed, Span<double> dst);

    private static Tensor Random(Shape shape, int? seed, DType dtype, string op, Sampler sample, double shift, double scale)
    {
        CheckCreateShape(shape, op);
        if (!dtype.IsFloating) throw new ArgumentException($"{op}: dtype must be float32 or float64, got {dtype.Name()}.");
        ulong s = seed.HasValue ? (ulong)(uint)seed.Value * 0x9E3779B97F4A7C15UL + 1 : (ulong)Interlocked.Increment(ref unseededCounter) * 0xBF58476D1CE4E5B9UL;
        var values = new double[shape.Size];
        sample(s, values);
        for (int i = 0; i < values.Length; i++) values[i] = shift + scale * values[i];
        return FromDoubles(values, shape, dtype);
    }

    /// <summary>A tensor of <paramref name="dtype"/> from float64 values (converted).</summary>
    internal static Tensor FromDoubles(ReadOnlySpan<double> values, Shape shape, DType dtype)
    {
        var t = Empty(shape, dtype);
        switch (dtype)
        {
            case DType.Float32: { var d = t.Span<float>(); for (int i = 0; i < d.Length; i++) d[i] = (float)values[i]; break; }
            case DType.Float64: values.CopyTo(t.Span<double>()); break;
            case DType.Int32: { var d = t.Span<int>(); for (int i = 0; i < d.Length; i++) d[i] = (int)values[i]; break; }
            case DType.Int64: { var d = t.Span<long>(); for (int i = 0; i < d.Length; i++) d[i] = (long)values[i]; break; }
            case DType.Bool: { var d = t.Span<bool>(); for (int i = 0; i < d.Length; i++) d[i] = values[i] != 0; break; }
            default: DTypeConvert.Convert(DType.Float64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), dtype, t.WritableBytes()); break;
        }
        return t;
    }

    private static void CheckCreateShape(Shape shape, string op)
    {
        if (!shape.IsFullyDefined) throw new ArgumentException($"{op}: shape {shape} has unknown dimensions; a concrete tensor needs every dimension.");
    }
}
