using System.Globalization;
using System.Text;

namespace Eager;

public sealed partial class Tensor
{
    /// <summary>Tensors with more elements than this print summarised ("...").</summary>
    public const int SummarizeThreshold = 1000;

    private const int EdgeItems = 3;

    /// <summary>NumPy/TensorFlow style: values, then shape and dtype. Large tensors are summarised.</summary>
    public override string ToString()
    {
        if (IsSymbolic) return $"<Tensor \"{Name}\" shape={Shape} dtype={DType.Name()}>";
        var values = ToDoubleArray();
        var sb = new StringBuilder("tf.Tensor(");
        bool summarize = values.Length > SummarizeThreshold;
        AppendLevel(sb, values, Shape.ToArray(), 0, 0, summarize, 10);
        sb.Append(", shape=").Append(Shape).Append(", dtype=").Append(DType.Name()).Append(')');
        return sb.ToString();
    }

    private void AppendLevel(StringBuilder sb, double[] v, int[] dims, int axis, int offset, bool summarize, int indent)
    {
        if (axis == dims.Length) { sb.Append(FormatValue(v[offset])); return; }
        int n = dims[axis];
        int stride = 1;
        for (int i = axis + 1; i < dims.Length; i++) stride *= dims[i];
        sb.Append('[');
        for (int i = 0; i < n; i++)
        {
            if (summarize && n > 2 * EdgeItems && i == EdgeItems)
            {
                sb.Append(axis == dims.Length - 1 ? "..." : "...");
                i = n - EdgeItems - 1;
                AppendSeparator(sb, dims, axis, indent);
                continue;
            }
            AppendLevel(sb, v, dims, axis + 1, offset + i * stride, summarize, indent);
            if (i < n - 1) AppendSeparator(sb, dims, axis, indent);
        }
        sb.Append(']');
    }

    private static void AppendSeparator(StringBuilder sb, int[] dims, int axis, int indent)
    {
        if (axis == dims.Length - 1) { sb.Append(' '); return; }
        sb.Append('\n', dims.Length - 1 - axis).Append(' ', indent + axis + 1);
    }

    private string FormatValue(double x) => DType switch
    {
        DType.Bool => x != 0 ? "True" : "False",
        DType.Int32 or DType.Int64 or DType.Int8 or DType.UInt8 => ((long)x).ToString(CultureInfo.InvariantCulture),
        _ => double.IsNaN(x) ? "nan" : double.IsInfinity(x) ? (x > 0 ? "inf" : "-inf")
            : x == Math.Floor(x) && Math.Abs(x) < 1e16 ? x.ToString("0", CultureInfo.InvariantCulture) + "."
            : DType switch
            {
                DType.Float16 => ((Half)x).ToString(CultureInfo.InvariantCulture),
                DType.BFloat16 => ((BFloat16)x).ToString(),
                DType.Float32 => x.ToString("G7", CultureInfo.InvariantCulture),
                _ => x.ToString("G15", CultureInfo.InvariantCulture),
            },
    };
}
