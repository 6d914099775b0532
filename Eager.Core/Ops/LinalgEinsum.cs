using static Eager.Ops;

namespace Eager;

/// <summary>
/// Einstein summation (numpy.einsum, ONNX Einsum) composed from Transpose, Reshape, Multiply, ReduceSum and batched
/// MatMul: each operand's repeated letters become a diagonal, letters no one else needs are summed away, and the
/// operands are contracted pairwise from the left as one batched matrix product each. The gradient follows.
/// </summary>
public static partial class Ops
{
    /// <summary>
    /// Evaluates <paramref name="equation"/> ("ij,jk->ik", "bij,bjk->bik", "i,i", "ii->i", "...ij->...ji") over the
    /// operands. Without "->" the output holds the letters that occur once, in alphabetical order. "..." stands for the
    /// same leading dimensions in every operand that has it (right-aligned). Dimensions of one letter must agree.
    /// </summary>
    /// <exception cref="ArgumentException">A malformed equation, a term whose letter count does not match its operand's rank,
    /// dimensions of one letter that differ, or unknown dimensions where a reshape needs them.</exception>
    public static Tensor Einsum(string equation, params Tensor[] operands) => LinalgOps.Einsum(equation, operands);
}

internal static partial class LinalgOps
{
    internal static Tensor Einsum(string equation, Tensor[] operands)
    {
        ArgumentNullException.ThrowIfNull(equation);
        var eq = equation.Replace(" ", "", StringComparison.Ordinal);
        int arrow = eq.IndexOf("->", StringComparison.Ordinal);
        var terms = (arrow < 0 ? eq : eq[..arrow]).Split(',');
        if (terms.Length != operands.Length)
            throw new ArgumentException($"Einsum: \"{equation}\" has {terms.Length} input terms for {operands.Length} operands.");
        int ellipsisRank = 0;
        for (int i = 0; i < terms.Length; i++)
            if (terms[i].Contains("...", StringComparison.Ordinal)) ellipsisRank = Math.Max(ellipsisRank, operands[i].Rank - (terms[i].Length - 3));
        // "..." becomes upper-case letters (the equation's own letters are lower-case), right-aligned.
        string Expand(string term, int rank)
        {
            int at = term.IndexOf("...", StringComparison.Ordinal);
            if (at < 0) return term;
            int k = rank - (term.Length - 3);
            if (k < 0) throw new ArgumentException($"Einsum: term \"{term}\" of \"{equation}\" has more letters than its operand's rank {rank}.");
            return term[..at] + new string(Enumerable.Range(ellipsisRank - k, k).Select(j => (char)('A' + j)).ToArray()) + term[(at + 3)..];
        }
        var letters = terms.Select((t, i) => Expand(t, operands[i].Rank)).ToList();
        for (int i = 0; i < letters.Count; i++)
            if (letters[i].Length != operands[i].Rank || letters[i].Any(ch => !char.IsAsciiLetter(ch)))
                throw new ArgumentException($"Einsum: term \"{terms[i]}\" of \"{equation}\" does not describe operand {i} of shape {operands[i].Shape}.");
        string output;
        if (arrow >= 0) output = Expand(eq[(arrow + 2)..], ellipsisRank + eq[(arrow + 2)..].Replace("...", "", StringComparison.Ordinal).Length);
        else
        {
            var all = string.Concat(letters);
            output = new string(Enumerable.Range(0, ellipsisRank).Select(j => (char)('A' + j))
                .Concat(all.Where(ch => char.IsAsciiLetterLower(ch) && all.Count(o => o == ch) == 1).Order()).ToArray());
        }
        if (output.Distinct().Count() != output.Length || output.Any(ch => !letters.Any(l => l.Contains(ch))))
            throw new ArgumentException($"Einsum: the output term of \"{equation}\" repeats a letter or names one no input has.");

        var items = operands.Select((t, i) => Diagonals(t, letters[i])).ToList();
        var (acc, accLetters) = items[0];
        for (int i = 1; i <= items.Count; i++)
        {
            // Letters wanted later: the output's and those of the operands not yet contracted.
            var later = output + string.Concat(items.Skip(i).Select(it => it.Letters));
            (acc, accLetters) = SumAway(acc, accLetters, later + (i < items.Count ? items[i].Letters : ""));
            if (i == items.Count) break;
            var (b, bLetters) = SumAway(items[i].Tensor, items[i].Letters, later + accLetters);
            (acc, accLetters) = Contract(acc, accLetters, b, bLetters, later);
        }
        return accLetters == output ? acc : Transpose(acc, output.Select(ch => accLetters.IndexOf(ch)).ToArray());
    }

    /// <summary>Sums the axes whose letters <paramref name="keep"/> does not hold.</summary>
    private static (Tensor Tensor, string Letters) SumAway(Tensor t, string letters, string keep)
    {
        var axes = Enumerable.Range(0, letters.Length).Where(i => !keep.Contains(letters[i])).ToArray();
        if (axes.Length == 0) return (t, letters);
        return (ReduceSum(t, axes), new string(letters.Where(ch => keep.Contains(ch)).ToArray()));
    }

    /// <summary>Reduces a repeated letter to its diagonal: masks with the identity and sums the second axis away.</summary>
    private static (Tensor Tensor, string Letters) Diagonals(Tensor t, string letters)
    {
        for (int i = 0; i < letters.Length; i++)
        {
            int j = letters.IndexOf(letters[i], i + 1);
            if (j < 0) continue;
            int n = t.Shape[i];
            if (n < 0 || t.Shape[j] != n) throw new ArgumentException($"Einsum: letter '{letters[i]}' repeats on axes {i} and {j} of {t.Shape}, which must be known and equal.");
            var eyeShape = Enumerable.Repeat(1, letters.Length).ToArray();
            eyeShape[i] = n; eyeShape[j] = n;
            var eye = new double[n * n];
            for (int k = 0; k < n; k++) eye[k * n + k] = 1;
            var mask = Cast(Tensor.From(eye, new Shape(eyeShape)), t.DType);
            t = ReduceSum(t * mask, [j]);
            letters = letters.Remove(j, 1);
            i--;
        }
        return (t, letters);
    }

    /// <summary>a and b contracted over their shared letters that <paramref name="later"/> does not need, as one batched MatMul.</summary>
    private static (Tensor Tensor, string Letters) Contract(Tensor a, string la, Tensor b, string lb, string later)
    {
        var batch = la.Where(ch => lb.Contains(ch) && later.Contains(ch)).ToArray();
        var summed = la.Where(ch => lb.Contains(ch) && !later.Contains(ch)).ToArray();
        var freeA = la.Where(ch => !lb.Contains(ch)).ToArray();
        var freeB = lb.Where(ch => !la.Contains(ch)).ToArray();
        int Dim(char ch)
        {
            int da = la.Contains(ch) ? a.Shape[la.IndexOf(ch)] : 1, db = lb.Contains(ch) ? b.Shape[lb.IndexOf(ch)] : 1;
            if (da >= 0 && db >= 0 && da != db && da != 1 && db != 1)
                throw new ArgumentException($"Einsum: letter '{ch}' has size {da} in one operand ({a.Shape}) and {db} in the other ({b.Shape}).");
            return da == 1 ? db : da;
        }
        int Product(IEnumerable<char> chars) => chars.Aggregate(1, (p, ch) => Dim(ch) < 0 || p < 0 ? -1 : p * Dim(ch));
        Tensor Arrange(Tensor t, string l, char[] first, char[] second, char[] third)
        {
            var order = first.Concat(second).Concat(third).Select(ch => l.IndexOf(ch)).ToArray();
            var moved = order.SequenceEqual(Enumerable.Range(0, order.Length)) ? t : Transpose(t, order);
            var full = first.Concat(second).Concat(third).Select(Dim).ToArray();
            if (!full.SequenceEqual(moved.Shape.ToArray())) moved = BroadcastTo(moved, new Shape(full));
            return Reshape(moved, Product(first), Product(second), Product(third));
        }
        var left = Arrange(a, la, batch, freeA, summed);
        var right = Arrange(b, lb, batch, summed, freeB);
        var product = MatMul(left, right);
        var dims = batch.Concat(freeA).Concat(freeB).Select(Dim).ToArray();
        return (Reshape(product, dims), new string(batch.Concat(freeA).Concat(freeB).ToArray()));
    }
}
