namespace Eager;

/// <summary>Element type of a tensor. Names follow TensorFlow (float32, int64 ...). The numeric codes are stored in
/// graph files, so new dtypes are appended.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float (<see cref="float"/>).</summary>
    Float32,

    /// <summary>64-bit IEEE float (<see cref="double"/>).</summary>
    Float64,

    /// <summary>32-bit signed integer (<see cref="int"/>).</summary>
    Int32,

    /// <summary>64-bit signed integer (<see cref="long"/>).</summary>
    Int64,

    /// <summary>Boolean (<see cref="bool"/>, one byte).</summary>
    Bool,

    /// <summary>16-bit IEEE half (<see cref="System.Half"/>): 11-bit significand, range about ±65504. Ops compute in
    /// float32 and round the result.</summary>
    Float16,

    /// <summary>bfloat16 (<see cref="Eager.BFloat16"/>): float32's range with an 8-bit significand. Ops compute in
    /// float32 and round the result.</summary>
    BFloat16,

    /// <summary>8-bit signed integer (<see cref="sbyte"/>).</summary>
    Int8,

    /// <summary>8-bit unsigned integer (<see cref="byte"/>).</summary>
    UInt8,
}

/// <summary>Facts about each <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>Every dtype, in code order.</summary>
    public static IReadOnlyList<DType> All { get; } = Enum.GetValues<DType>();

    /// <summary>The TensorFlow/NumPy name, e.g. "float32".</summary>
    public static string Name(this DType d) => d switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        DType.Int8 => "int8",
        DType.UInt8 => "uint8",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>The dtype with this TensorFlow/NumPy name ("float16", "bfloat16", "int8" ...).</summary>
    /// <exception cref="ArgumentException">No dtype has that name.</exception>
    public static DType Parse(string name)
    {
        foreach (var d in All)
            if (string.Equals(d.Name(), name, StringComparison.OrdinalIgnoreCase)) return d;
        throw new ArgumentException($"No dtype is named '{name}'; known: {string.Join(", ", All.Select(d => d.Name()))}.", nameof(name));
    }

    /// <summary>Bytes per element.</summary>
    public static int Size(this DType d) => d switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 or DType.Int64 => 8,
        DType.Float16 or DType.BFloat16 => 2,
        DType.Bool or DType.Int8 or DType.UInt8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    extension(DType d)
    {
        /// <summary>True for the floating dtypes (float16, bfloat16, float32, float64): those that carry gradients.</summary>
        public bool IsFloating => d is DType.Float32 or DType.Float64 or DType.Float16 or DType.BFloat16;

        /// <summary>True for the integer dtypes (int8, uint8, int32, int64).</summary>
        public bool IsInteger => d is DType.Int32 or DType.Int64 or DType.Int8 or DType.UInt8;

        /// <summary>True for every dtype with arithmetic (not bool).</summary>
        public bool IsNumeric => d != DType.Bool;

        /// <summary>True for float16 and bfloat16, which ops compute in float32 (<see cref="ComputeType"/>).</summary>
        public bool IsHalfPrecision => d is DType.Float16 or DType.BFloat16;

        /// <summary>True for the integer dtypes that hold negative values (everything but uint8 and bool).</summary>
        public bool IsSigned => d is not (DType.UInt8 or DType.Bool);

        /// <summary>The dtype ops compute this one in: float32 for the 16-bit floats, int32 for int8 and uint8, the dtype
        /// itself otherwise. Results are rounded back (floats to nearest even, integers saturating).</summary>
        public DType ComputeType => d switch
        {
            DType.Float16 or DType.BFloat16 => DType.Float32,
            DType.Int8 or DType.UInt8 => DType.Int32,
            _ => d,
        };
    }

    /// <summary>The DType of a CLR element type.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        if (typeof(T) == typeof(Half)) return DType.Float16;
        if (typeof(T) == typeof(BFloat16)) return DType.BFloat16;
        if (typeof(T) == typeof(sbyte)) return DType.Int8;
        if (typeof(T) == typeof(byte)) return DType.UInt8;
        throw new NotSupportedException($"Element type {typeof(T).Name} has no DType; use float, double, Half, BFloat16, int, long, sbyte, byte or bool.");
    }

    /// <summary>The CLR element type of a DType.</summary>
    public static Type ClrType(this DType d) => d switch
    {
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        DType.Int32 => typeof(int),
        DType.Int64 => typeof(long),
        DType.Bool => typeof(bool),
        DType.Float16 => typeof(Half),
        DType.BFloat16 => typeof(BFloat16),
        DType.Int8 => typeof(sbyte),
        DType.UInt8 => typeof(byte),
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };
}
