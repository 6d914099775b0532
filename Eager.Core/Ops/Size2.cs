namespace Eager;

/// <summary>
/// A (height, width) pair for kernel sizes, pool sizes, strides and dilations. An int converts to a square pair
/// and a tuple to its two values, so calls read like Keras and TensorFlow: <c>strides: 2</c> or <c>strides: (2, 1)</c>.
/// </summary>
/// <param name="Height">Vertical size.</param>
/// <param name="Width">Horizontal size.</param>
public readonly record struct Size2(int Height, int Width)
{
    /// <summary>The same size in both directions.</summary>
    public static implicit operator Size2(int size) => new(size, size);

    /// <summary>(height, width).</summary>
    public static implicit operator Size2((int Height, int Width) size) => new(size.Height, size.Width);

    /// <summary>[Height, Width].</summary>
    public int[] ToArray() => [Height, Width];

    /// <summary>"(h, w)".</summary>
    public override string ToString() => $"({Height}, {Width})";
}
