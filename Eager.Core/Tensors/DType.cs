namespace Eager;

/// <summary>Element type of a tensor. Names follow TensorFlow (float32, int64 ...).</summary>
public enum DType
{
    Float32,
    Float64,
    Int32,
    Int64,
    Bool,
}

/// <summary>Facts about each <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>The TensorFlow/NumPy name, e.g. "float32".</summary>
    public static string Name(this DType d) => d switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>Bytes per element.</summary>
    public static int Size(this DType d) => d switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 or DType.Int64 => 8,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    extension(DType d)
    {
        /// <summary>True for float32 and float64, the dtypes that carry gradients.</summary>
        public bool IsFloating => d is DType.Float32 or DType.Float64;

        /// <summary>True for int32 and int64.</summary>
        public bool IsInteger => d is DType.Int32 or DType.Int64;

        /// <summary>True for every dtype with arithmetic (not bool).</summary>
        public bool IsNumeric => d != DType.Bool;
    }

    /// <summary>The DType of a CLR element type.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        throw new NotSupportedException($"Element type {typeof(T).Name} has no DType; use float, double, int, long or bool.");
    }

    /// <summary>The CLR element type of a DType.</summary>
    public static Type ClrType(this DType d) => d switch
    {
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        DType.Int32 => typeof(int),
        DType.Int64 => typeof(long),
        DType.Bool => typeof(bool),
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };
}
