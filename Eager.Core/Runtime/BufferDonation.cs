namespace Eager;

/// <summary>
/// In-place updates inside a Session run: before a step whose op can write into an input's buffer
/// (<see cref="OpDef.ReusesInputBuffers"/>), the memory plan offers the inputs that die at that step and whose buffer
/// no other live value shares; the kernel may take one per output instead of allocating. Offers are per thread and
/// exist only for the duration of that one kernel call.
/// </summary>
internal static class BufferDonation
{
    [ThreadStatic] private static Tensor?[]? offers;
    [ThreadStatic] private static int count;
    private static long taken;

    /// <summary>Outputs written into a donated input buffer so far (diagnostics and tests).</summary>
    public static long Taken => Interlocked.Read(ref taken);

    public static void Offer(Tensor t)
    {
        offers ??= new Tensor?[8];
        if (count == offers.Length) Array.Resize(ref offers, count * 2);
        offers[count++] = t;
    }

    public static void Clear()
    {
        if (count == 0) return;
        Array.Clear(offers!, 0, count);
        count = 0;
    }

    /// <summary>An offered tensor of exactly <paramref name="shape"/> and <paramref name="dtype"/> (contiguous, its own whole
    /// buffer) to write the output into, or null. The kernel must read each element of it before writing that element.</summary>
    public static Tensor? Take(Shape shape, DType dtype)
    {
        for (int i = 0; i < count; i++)
        {
            var t = offers![i];
            if (t is null || t.DType != dtype || t.Shape != shape) continue;
            offers[i] = null;
            Interlocked.Increment(ref taken);
            t.Storage!.Modified();
            return t;
        }
        return null;
    }
}
