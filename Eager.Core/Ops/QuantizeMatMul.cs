using Eager.Kernels.Quant;

namespace Eager;

public static partial class Ops
{
    /// <summary>
    /// ONNX's MatMulInteger: (a - aZeroPoint) x (b - bZeroPoint) in int32, for int8/uint8 a [batch..., M, K] and b
    /// [batch..., K, N] (batch dims broadcast). A's zero point is a scalar or has M values (one per row); B's a scalar
    /// or N values (one per column); each has its operand's dtype, and 0 when omitted.
    /// </summary>
    /// <exception cref="ArgumentException">Dtypes are not 8-bit, inner dimensions differ, or a zero point has the wrong length.</exception>
    public static Tensor MatMulInteger(Tensor a, Tensor b, Tensor? aZeroPoint = null, Tensor? bZeroPoint = null) =>
        Dispatcher.Apply1(QuantizationOps.MatMulIntegerDef, Attrs.Empty, a, b,
            aZeroPoint ?? QuantizationOps.DefaultZero(a.DType), bZeroPoint ?? QuantizationOps.DefaultZero(b.DType));

    /// <summary>
    /// ONNX's QLinearMatMul: y = saturate(round((a - aZero)(b - bZero) * aScale * bScale / yScale) + yZero) with int32
    /// accumulation; B's scale and zero point may have one value per column (per-channel weights). The optional
    /// <paramref name="bias"/> (int32, N values, scale aScale * bScale) is added to the accumulator first, which makes
    /// this a quantised Dense layer. The output dtype is the output zero point's.
    /// </summary>
    /// <exception cref="ArgumentException">Dtypes, shapes or scale/zero-point lengths do not match.</exception>
    public static Tensor QLinearMatMul(Tensor a, Tensor aScale, Tensor aZeroPoint, Tensor b, Tensor bScale, Tensor bZeroPoint,
        Tensor yScale, Tensor yZeroPoint, Tensor? bias = null) =>
        Dispatcher.Apply1(QuantizationOps.QLinearMatMulDef, Attrs.Empty,
            bias is null ? [a, aScale, aZeroPoint, b, bScale, bZeroPoint, yScale, yZeroPoint] : [a, aScale, aZeroPoint, b, bScale, bZeroPoint, yScale, yZeroPoint, bias]);
}

/// <summary>ONNX's MatMulInteger and QLinearMatMul: 8-bit matrix products with zero points, int32 accumulation.</summary>
internal static partial class QuantizationOps
{
    /// <summary>Shapes of an 8-bit matrix product: [batch..., M, K] x [batch..., K, N] with broadcast batch dims.</summary>
    private static Shape ProductShape(string op, Tensor a, Tensor b)
    {
        Require8Bit(op, "A", a);
        Require8Bit(op, "B", b);
        if (a.Rank < 2 || b.Rank < 2)
            throw new ArgumentException($"{op}: both inputs need rank >= 2, got A {a.Shape} and B {b.Shape}.");
        if (Window.Differ(a.Shape[-1], b.Shape[-2]))
            throw new ArgumentException($"{op}: inner dimensions differ: A {a.Shape} has {a.Shape[-1]}, B {b.Shape} has {b.Shape[-2]}.");
        var batch = Broadcasting.Shape(op + " (batch dimensions)", Shape.Wrap(a.Shape.ToArray()[..^2]), Shape.Wrap(b.Shape.ToArray()[..^2]));
        return Shape.Wrap([.. batch, a.Shape[-2], b.Shape[-1]]);
    }

    private static void CheckZero(string op, string what, Tensor zero, Tensor operand, int count, string per)
    {
        if (zero.DType != operand.DType)
            throw new ArgumentException($"{op}: {what} must have the dtype of its operand ({operand.DType.Name()}), got {zero.DType.Name()} {zero.Shape}.");
        if (zero.Rank > 1 || (zero.Rank == 1 && zero.Shape[0] != 1 && count >= 0 && zero.Shape[0] >= 0 && zero.Shape[0] != count))
            throw new ArgumentException($"{op}: {what} must be a scalar or have {count} values (one per {per}), got {zero.Shape}.");
    }

    public static readonly OpDef MatMulIntegerDef = new("MatMulInteger",
        (x, _) =>
        {
            const string op = "MatMulInteger";
            var shape = ProductShape(op, x[0], x[1]);
            CheckZero(op, "A's zero point", x[2], x[0], x[0].Shape[-2], "row of A");
            CheckZero(op, "B's zero point", x[3], x[1], x[1].Shape[-1], "column of B");
            return [new TensorSpec(shape, DType.Int32)];
        },
        (x, _) =>
        {
            var shape = ProductShape("MatMulInteger", x[0], x[1]);
            var y = Tensor.Empty(shape, DType.Int32);
            Product(x[0], x[1], Zeros(x[2]), Zeros(x[3]), y);
            return [y];
        })
    {
        HandlesAllDTypes = true,
        Onnx = OnnxMap.Same("MatMulInteger"),
    };

    // Inputs: a, aScale, aZero, b, bScale, bZero, yScale, yZero (ONNX's order), then an optional int32 bias [N] with
    // scale aScale * bScale, added to the accumulator before requantising.
    public static readonly OpDef QLinearMatMulDef = new("QLinearMatMul",
        (x, _) =>
        {
            const string op = "QLinearMatMul";
            var shape = ProductShape(op, x[0], x[3]);
            CheckScaleZero(op, "A's", x[1], x[2], x[0].DType, 1);
            CheckScaleZero(op, "B's", x[4], x[5], x[3].DType, x[3].Shape[-1]);
            Require8Bit(op, "the output zero point", x[7]);
            CheckScaleZero(op, "the output", x[6], x[7], null, 1);
            if (x.Length > 8 && (x[8].DType != DType.Int32 || x[8].Rank != 1 || Window.Differ(x[8].Shape[0], shape[-1])))
                throw new ArgumentException($"{op}: the bias must be int32 with {shape[-1]} values, got {x[8].DType.Name()} {x[8].Shape}.");
            return [new TensorSpec(shape, x[7].DType)];
        },
        (x, _) =>
        {
            var shape = ProductShape("QLinearMatMul", x[0], x[3]);
            var acc = Tensor.Empty(shape, DType.Int32);
            Product(x[0], x[3], Zeros(x[2]), Zeros(x[5]), acc);
            int n = shape[-1];
            var multiplier = Multipliers(x[1], x[4], x[6], n);
            int[] bias = x.Length > 8 ? x[8].Contiguous().ToArray<int>() : [];
            return [Requantize(acc, n, bias, multiplier, Zeros(x[7])[0], x[7].DType)];
        })
    {
        HandlesAllDTypes = true,
        Onnx = OnnxQdqMatMul,
    };

    /// <summary>aScale * bScale[j] / yScale in float32, as ONNX Runtime computes the requantisation factor.</summary>
    internal static float[] Multipliers(Tensor aScale, Tensor bScale, Tensor yScale, int n)
    {
        float sa = Scales(aScale)[0], sy = Scales(yScale)[0];
        var sb = Scales(bScale);
        var m = new float[sb.Length];
        for (int j = 0; j < m.Length; j++) m[j] = sa * sb[j] / sy;
        return m.Length == 1 || m.Length == n ? m : Spread(m, n);
    }

    /// <summary>Rows x n accumulator to int8/uint8.</summary>
    internal static Tensor Requantize(Tensor acc, int n, int[] bias, float[] multiplier, int zero, DType dtype)
    {
        var y = Tensor.Empty(acc.Shape, dtype);
        int rows = n == 0 ? 0 : acc.Shape.Size / n;
        if (dtype == DType.UInt8) Quantize.Requantize<byte>(acc.AsReadOnlySpan<int>(), y.AsSpan<byte>(), rows, n, bias, multiplier, zero);
        else Quantize.Requantize<sbyte>(acc.AsReadOnlySpan<int>(), y.AsSpan<sbyte>(), rows, n, bias, multiplier, zero);
        return y;
    }

    /// <summary>y = (a - aZero) * (b - bZero) for every batch; a 2-D B with any A is one GEMM over all rows of A.</summary>
    internal static void Product(Tensor a, Tensor b, int[] aZero, int[] bZero, Tensor y)
    {
        var ac = a.Contiguous();
        var bc = b.Contiguous();
        int m = a.Shape[-2], k = a.Shape[-1], n = b.Shape[-1];
        var dst = y.AsSpan<int>();
        if (b.Rank == 2 && aZero.Length == 1)
        {
            int rows = a.Shape.Size / Math.Max(1, k);
            if (k == 0) rows = y.Shape.Size / Math.Max(1, n);
            Gemm(rows, n, k, ac, 0, aZero, bc, 0, bZero, dst);
        }
        else
        {
            int batches = n == 0 || m == 0 ? 0 : y.Shape.Size / (m * n);
            var (aOff, bOff) = BatchOffsets(a.Shape, b.Shape, y.Shape, batches);
            for (int i = 0; i < batches; i++)
                Gemm(m, n, k, ac, aOff[i], aZero, bc, bOff[i], bZero, dst.Slice(i * m * n, m * n));
        }
        GC.KeepAlive(ac);
        GC.KeepAlive(bc);
    }

    private static void Gemm(int m, int n, int k, Tensor a, int aOff, int[] aZero, Tensor b, int bOff, int[] bZero, Span<int> c)
    {
        switch (a.DType, b.DType)
        {
            case (DType.UInt8, DType.Int8): Int8Gemm.Multiply<byte, sbyte>(m, n, k, a.AsReadOnlySpan<byte>()[aOff..], k, aZero, b.AsReadOnlySpan<sbyte>()[bOff..], n, bZero, c, n); break;
            case (DType.UInt8, _): Int8Gemm.Multiply<byte, byte>(m, n, k, a.AsReadOnlySpan<byte>()[aOff..], k, aZero, b.AsReadOnlySpan<byte>()[bOff..], n, bZero, c, n); break;
            case (_, DType.Int8): Int8Gemm.Multiply<sbyte, sbyte>(m, n, k, a.AsReadOnlySpan<sbyte>()[aOff..], k, aZero, b.AsReadOnlySpan<sbyte>()[bOff..], n, bZero, c, n); break;
            default: Int8Gemm.Multiply<sbyte, byte>(m, n, k, a.AsReadOnlySpan<sbyte>()[aOff..], k, aZero, b.AsReadOnlySpan<byte>()[bOff..], n, bZero, c, n); break;
        }
    }

    /// <summary>Element offsets of each batch's matrix in contiguous A and B, broadcasting size-1 batch dims.</summary>
    private static (int[] A, int[] B) BatchOffsets(Shape a, Shape b, Shape y, int batches)
    {
        int batchRank = y.Rank - 2;
        var aOff = new int[batches];
        var bOff = new int[batches];
        int aMat = a[-2] * a[-1], bMat = b[-2] * b[-1];
        for (int i = 0; i < batches; i++)
        {
            int rem = i, ao = 0, bo = 0, aStride = aMat, bStride = bMat;
            for (int d = batchRank - 1; d >= 0; d--)
            {
                int dim = y[d], idx = rem % dim;
                rem /= dim;
                int ad = d - (batchRank - (a.Rank - 2)), bd = d - (batchRank - (b.Rank - 2));
                if (ad >= 0) { if (a[ad] != 1) ao += idx * aStride; aStride *= a[ad]; }
                if (bd >= 0) { if (b[bd] != 1) bo += idx * bStride; bStride *= b[bd]; }
            }
            aOff[i] = ao;
            bOff[i] = bo;
        }
        return (aOff, bOff);
    }

    /// <summary>QDQ form: DequantizeLinear on both operands, a float MatMul (plus the dequantised bias), QuantizeLinear.</summary>
    private static void OnnxQdqMatMul(IOnnxEmitter e)
    {
        var af = e.Temp("a_dq");
        e.Add("DequantizeLinear", [e.Input(0), e.Input(1), e.Input(2)], [af]);
        var bf = e.Temp("b_dq");
        e.Add("DequantizeLinear", [e.Input(3), e.Input(4), e.Input(5)], [bf], ("axis", (long)(e.Node.Inputs[3].Rank - 1)));
        var y = e.Temp("y_float");
        e.Add("MatMul", [af, bf], [y]);
        if (e.Node.Inputs.Length > 8)
        {
            var biasScale = e.Temp("bias_scale");
            e.Add("Mul", [e.Input(1), e.Input(4)], [biasScale]);
            var bias = e.Temp("bias_dq");
            e.Add("DequantizeLinear", [e.Input(8), biasScale, BiasZero(e)], [bias], ("axis", 0L));
            var sum = e.Temp("y_biased");
            e.Add("Add", [y, bias], [sum]);
            y = sum;
        }
        e.Add("QuantizeLinear", [y, e.Input(6), e.Input(7)], [e.Output(0)]);
    }

    /// <summary>The bias's zero point: per channel (zeros) when the filter's scale is, else a scalar 0.</summary>
    internal static string BiasZero(IOnnxEmitter e)
    {
        var filterScale = e.Node.Inputs[4];
        bool perChannel = filterScale.Rank == 1 && filterScale.Shape[0] > 1;
        return e.Constant(perChannel ? Tensor.From(new int[filterScale.Shape[0]]) : Tensor.Scalar(0), "bias_zero");
    }
}
