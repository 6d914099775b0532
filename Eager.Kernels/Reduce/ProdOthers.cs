using System.Numerics;

namespace Eager.Kernels.Reduce;

/// <summary>For each element, the product of the other elements of its row (the gradient of a product).
/// Prefix and suffix products instead of prod / x, so rows with zeros come out exact.</summary>
public static class ProdOthers
{
    /// <summary>dst[r, i] = product over j != i of src[r, j] for a [rows, length] block.</summary>
    public static void Rows<T>(ReadOnlySpan<T> src, int rows, int length, Span<T> dst) where T : unmanaged, INumber<T>
    {
        for (int r = 0; r < rows; r++)
        {
            var row = src.Slice(r * length, length);
            var d = dst.Slice(r * length, length);
            T acc = T.One;
            for (int i = 0; i < length; i++) { d[i] = acc; acc *= row[i]; }
            acc = T.One;
            for (int i = length - 1; i >= 0; i--) { d[i] *= acc; acc *= row[i]; }
        }
    }
}
