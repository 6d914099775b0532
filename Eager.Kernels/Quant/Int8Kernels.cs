// Generated shape, kept by hand: the register-blocked micro-kernels are written out in full (one local per
// accumulator) so the JIT keeps every accumulator in a vector register for the whole k loop.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Eager.Kernels.Quant;

/// <summary>
/// Computes one MR x NR int32 tile from a packed uint8 A panel (for each group of four k, four bytes per row) and a
/// packed int8 B panel (four bytes per column), writing it row-major (row stride NR) to <c>tile</c>.
/// </summary>
internal unsafe interface IInt8Kernel
{
    /// <summary>Rows of the tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the tile.</summary>
    static abstract int NR { get; }

    /// <summary>Whether the packed operands are int16 pairs (groups of two k) rather than bytes in groups of four.</summary>
    static virtual bool Wide => false;

    /// <summary>Runs <paramref name="k4"/> groups of four k (of two k for a <see cref="Wide"/> kernel).</summary>
    static abstract void Run(int k4, byte* a, sbyte* b, int* tile);
}

/// <summary>AVX-512BW <c>vpmaddubsw</c> tile, 8 rows x 32 columns: 16 zmm accumulators. Its int16 pair sums saturate unless
/// |B| &lt;= 64 (7-bit weights), the only case it runs.</summary>
internal readonly unsafe struct Int8KernelMadd512 : IInt8Kernel
{
    public static int MR => 8;
    public static int NR => 32;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int k4, byte* a, sbyte* b, int* tile)
    {
        Vector512<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < k4; p++)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 64);
            var a0 = Vector512.Create(*(int*)(a + 0)).AsByte(); c00 = Dot(c00, a0, b0); c01 = Dot(c01, a0, b1);
            var a1 = Vector512.Create(*(int*)(a + 4)).AsByte(); c10 = Dot(c10, a1, b0); c11 = Dot(c11, a1, b1);
            var a2 = Vector512.Create(*(int*)(a + 8)).AsByte(); c20 = Dot(c20, a2, b0); c21 = Dot(c21, a2, b1);
            var a3 = Vector512.Create(*(int*)(a + 12)).AsByte(); c30 = Dot(c30, a3, b0); c31 = Dot(c31, a3, b1);
            var a4 = Vector512.Create(*(int*)(a + 16)).AsByte(); c40 = Dot(c40, a4, b0); c41 = Dot(c41, a4, b1);
            var a5 = Vector512.Create(*(int*)(a + 20)).AsByte(); c50 = Dot(c50, a5, b0); c51 = Dot(c51, a5, b1);
            var a6 = Vector512.Create(*(int*)(a + 24)).AsByte(); c60 = Dot(c60, a6, b0); c61 = Dot(c61, a6, b1);
            var a7 = Vector512.Create(*(int*)(a + 28)).AsByte(); c70 = Dot(c70, a7, b0); c71 = Dot(c71, a7, b1);
            a += 32;
            b += 128;
        }
        c00.Store(tile + 0); c01.Store(tile + 16);
        c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80);
        c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144);
        c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208);
        c70.Store(tile + 224); c71.Store(tile + 240);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Dot(Vector512<int> acc, Vector512<byte> a, Vector512<sbyte> b)
    {
        var ones = Vector512.Create((short)1);
        return acc + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(a, b), ones);
    }
}

/// <summary>AVX2 <c>vpmaddubsw</c> tile (7-bit B only), 4 rows x 16 columns: 8 ymm accumulators, leaving registers for the int16 products and constants.</summary>
internal readonly unsafe struct Int8KernelMadd256 : IInt8Kernel
{
    public static int MR => 4;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int k4, byte* a, sbyte* b, int* tile)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < k4; p++)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 32);
            var a0 = Vector256.Create(*(int*)(a + 0)).AsByte(); c00 = Dot(c00, a0, b0); c01 = Dot(c01, a0, b1);
            var a1 = Vector256.Create(*(int*)(a + 4)).AsByte(); c10 = Dot(c10, a1, b0); c11 = Dot(c11, a1, b1);
            var a2 = Vector256.Create(*(int*)(a + 8)).AsByte(); c20 = Dot(c20, a2, b0); c21 = Dot(c21, a2, b1);
            var a3 = Vector256.Create(*(int*)(a + 12)).AsByte(); c30 = Dot(c30, a3, b0); c31 = Dot(c31, a3, b1);
            a += 16;
            b += 64;
        }
        c00.Store(tile + 0); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Dot(Vector256<int> acc, Vector256<byte> a, Vector256<sbyte> b)
    {
        var ones = Vector256.Create((short)1);
        return acc + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, b), ones);
    }
}

/// <summary>AVX-VNNI tile, 6 rows x 16 columns: one <c>vpdpbusd</c> per four k of a row and eight columns; 12
/// accumulators, two B vectors and a broadcast fill 15 of the 16 ymm registers.</summary>
internal readonly unsafe struct Int8KernelVnni256 : IInt8Kernel
{
    public static int MR => 6;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int k4, byte* a, sbyte* b, int* tile)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k4; p++)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 32);
            var a0 = Vector256.Create(*(int*)(a + 0)).AsByte(); c00 = AvxVnni.MultiplyWideningAndAdd(c00, a0, b0); c01 = AvxVnni.MultiplyWideningAndAdd(c01, a0, b1);
            var a1 = Vector256.Create(*(int*)(a + 4)).AsByte(); c10 = AvxVnni.MultiplyWideningAndAdd(c10, a1, b0); c11 = AvxVnni.MultiplyWideningAndAdd(c11, a1, b1);
            var a2 = Vector256.Create(*(int*)(a + 8)).AsByte(); c20 = AvxVnni.MultiplyWideningAndAdd(c20, a2, b0); c21 = AvxVnni.MultiplyWideningAndAdd(c21, a2, b1);
            var a3 = Vector256.Create(*(int*)(a + 12)).AsByte(); c30 = AvxVnni.MultiplyWideningAndAdd(c30, a3, b0); c31 = AvxVnni.MultiplyWideningAndAdd(c31, a3, b1);
            var a4 = Vector256.Create(*(int*)(a + 16)).AsByte(); c40 = AvxVnni.MultiplyWideningAndAdd(c40, a4, b0); c41 = AvxVnni.MultiplyWideningAndAdd(c41, a4, b1);
            var a5 = Vector256.Create(*(int*)(a + 20)).AsByte(); c50 = AvxVnni.MultiplyWideningAndAdd(c50, a5, b0); c51 = AvxVnni.MultiplyWideningAndAdd(c51, a5, b1);
            a += 24;
            b += 64;
        }
        c00.Store(tile + 0); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
    }
}

/// <summary>Tile over int16 pairs, 6 rows x 16 columns: <c>vpmaddwd</c> sums two int16 products into each int32 lane,
/// exact for every 8-bit value, at the same 16 products per 256-bit multiply as the 7-bit <c>vpmaddubsw</c> route
/// (which needs a second instruction to widen its int16 sums). 12 accumulators, two B vectors and a broadcast fill 15
/// of the 16 ymm registers. Used on AVX-512 CPUs too: a 512-bit version (8 x 32 and 12 x 32) measured 10% slower on
/// Zen 4, whose packed int16 panels are twice the bytes of the 8-bit kernels'.</summary>
internal readonly unsafe struct Int16KernelMadd256 : IInt8Kernel
{
    public static int MR => 6;
    public static int NR => 16;
    public static bool Wide => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int k2, byte* a, sbyte* b, int* tile)
    {
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k2; p++)
        {
            var b0 = Vector256.Load((short*)b);
            var b1 = Vector256.Load((short*)(b + 32));
            var a0 = Vector256.Create(*(int*)(a + 0)).AsInt16(); c00 += Avx2.MultiplyAddAdjacent(a0, b0); c01 += Avx2.MultiplyAddAdjacent(a0, b1);
            var a1 = Vector256.Create(*(int*)(a + 4)).AsInt16(); c10 += Avx2.MultiplyAddAdjacent(a1, b0); c11 += Avx2.MultiplyAddAdjacent(a1, b1);
            var a2 = Vector256.Create(*(int*)(a + 8)).AsInt16(); c20 += Avx2.MultiplyAddAdjacent(a2, b0); c21 += Avx2.MultiplyAddAdjacent(a2, b1);
            var a3 = Vector256.Create(*(int*)(a + 12)).AsInt16(); c30 += Avx2.MultiplyAddAdjacent(a3, b0); c31 += Avx2.MultiplyAddAdjacent(a3, b1);
            var a4 = Vector256.Create(*(int*)(a + 16)).AsInt16(); c40 += Avx2.MultiplyAddAdjacent(a4, b0); c41 += Avx2.MultiplyAddAdjacent(a4, b1);
            var a5 = Vector256.Create(*(int*)(a + 20)).AsInt16(); c50 += Avx2.MultiplyAddAdjacent(a5, b0); c51 += Avx2.MultiplyAddAdjacent(a5, b1);
            a += 24;
            b += 64;
        }
        c00.Store(tile + 0); c01.Store(tile + 8);
        c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40);
        c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72);
        c50.Store(tile + 80); c51.Store(tile + 88);
    }
}
