namespace Eager.Tests.Core;

/// <summary>Comparisons for the NN op tests: float32 and float64 results against a float64 reference, error messages.</summary>
internal static class NNOpCheck
{
    /// <summary>Largest |a - b| / (1 + |b|).</summary>
    public static double MaxRelError(double[] got, double[] want)
    {
        Assert.That(got, Has.Length.EqualTo(want.Length), "element count");
        double e = 0;
        for (int i = 0; i < got.Length; i++) e = Math.Max(e, Math.Abs(got[i] - want[i]) / (1 + Math.Abs(want[i])));
        return e;
    }

    /// <summary>Asserts float32 or float64 results match a float64 reference.</summary>
    public static void AssertClose(Tensor got, double[] want, double tol, string what = "")
    {
        double e = MaxRelError(got.ToDoubleArray(), want);
        Assert.That(e, Is.LessThan(tol), $"{what}: max relative error {e}");
    }

    /// <summary>Asserts that <paramref name="call"/> throws an ArgumentException whose message contains every fragment.</summary>
    public static void AssertThrowsWith(TestDelegate call, params string[] fragments)
    {
        var e = Assert.Throws(Is.InstanceOf<ArgumentException>(), call);
        foreach (var f in fragments) Assert.That(e!.Message, Does.Contain(f));
    }
}
