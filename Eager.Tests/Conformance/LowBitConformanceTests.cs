namespace Eager.Tests.Conformance;

/// <summary>
/// Every op that runs on float32 also runs on float16 and bfloat16, computing in float32: each sample's floating inputs
/// are rounded to the 16-bit dtype, and the result must be the float32 result on those same values, rounded to the
/// 16-bit dtype (exactly for a single op; within a few 16-bit ulps where a sample is a composite of several ops that
/// each round). Gradients flow through the 16-bit ops as well.
/// </summary>
public partial class ConformanceTests
{
    public static IEnumerable<TestCaseData> HalfSamples() =>
        OpSamples.All.Where(s => s.Float32).SelectMany(s => new[] { DType.Float16, DType.BFloat16 }
            .Select(d => new TestCaseData(s, d).SetArgDisplayNames(s.ToString(), d.Name())));

    [TestCaseSource(nameof(HalfSamples))]
    public void HalfPrecisionMatchesFloat32Rounded(OpSample sample, DType dtype)
    {
        var x64 = sample.MakeInputs();
        var narrow = x64.Select(t => Ops.Cast(t, dtype)).ToArray();
        var wide = narrow.Select(t => Ops.Cast(t, DType.Float32)).ToArray();
        var y32 = sample.Call(wide);
        Tensor y16;
        try { y16 = sample.Call(narrow); }
        catch (ArgumentException e) when (e.Message.Contains(dtype.Name(), StringComparison.Ordinal))
        {
            Assert.Ignore($"{sample} refuses {dtype.Name()} with a clear error: {e.Message}");
            return;
        }
        Assert.That(y16.Shape, Is.EqualTo(y32.Shape), $"{sample}: shapes");
        var expectType = y32.DType == DType.Float32 ? dtype : y32.DType;
        Assert.That(y16.DType, Is.EqualTo(expectType), $"{sample}: a float32 result is {dtype.Name()} when the inputs are");
        var want = (y32.DType == DType.Float32 ? Ops.Cast(y32, dtype) : y32).ToDoubleArray();
        var got = y16.ToDoubleArray();
        double ulp = dtype == DType.Float16 ? 1.0 / 1024 : 1.0 / 128;
        double atol = 4 * ulp * (1 + Numeric.MaxAbs(want));
        int bad = Numeric.FirstMismatch(got, want, 4 * ulp, atol);
        Assert.That(bad, Is.EqualTo(-1), bad < 0 ? "" : $"{sample}: element {bad} is {got[bad]:R} in {dtype.Name()}, {want[bad]:R} from float32 rounded.");
    }

    [TestCaseSource(nameof(HalfSamples))]
    public void HalfPrecisionGradientsFlow(OpSample sample, DType dtype)
    {
        if (!sample.Differentiable) Assert.Ignore($"{sample} has no gradient.");
        var x = sample.MakeInputs().Select(t => Ops.Cast(t, dtype)).ToArray();
        var wide = x.Select(t => Ops.Cast(t, DType.Float32)).ToArray();
        Tensor?[] g16, g32;
        try
        {
            using var tape = new GradientTape();
            tape.Watch(x);
            g16 = tape.Gradient(Ops.ReduceSum(Ops.Cast(sample.Call(x), DType.Float32)), x);
        }
        catch (ArgumentException e) when (e.Message.Contains(dtype.Name(), StringComparison.Ordinal))
        {
            Assert.Ignore($"{sample} refuses {dtype.Name()} with a clear error: {e.Message}");
            return;
        }
        using (var tape = new GradientTape()) { tape.Watch(wide); g32 = tape.Gradient(Ops.ReduceSum(sample.Call(wide)), wide); }
        double ulp = dtype == DType.Float16 ? 1.0 / 1024 : 1.0 / 128;
        for (int i = 0; i < x.Length; i++)
        {
            Assert.That(g16[i] is null, Is.EqualTo(g32[i] is null), $"{sample}: input {i} has a gradient in one precision only");
            if (g16[i] is null) continue;
            Assert.That(g16[i]!.DType, Is.EqualTo(dtype), $"{sample}: the gradient of input {i} has the input's dtype");
            var want = g32[i]!.ToDoubleArray();
            var got = g16[i]!.ToDoubleArray();
            // The backward pass rounds every intermediate gradient to 16 bits, so the bound is looser than the forward one.
            int bad = Numeric.FirstMismatch(got, want, 16 * ulp, 16 * ulp * (1 + Numeric.MaxAbs(want)));
            Assert.That(bad, Is.EqualTo(-1), bad < 0 ? "" : $"{sample}: gradient {i} element {bad} is {got[bad]:R} in {dtype.Name()}, {want[bad]:R} in float32.");
        }
    }
}
