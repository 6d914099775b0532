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

    /// <summary>TensorFlow's list forms: [size], [height, width], or the 4-element NHWC form [1, height, width, 1] that
    /// tf.nn.max_pool's ksize and tf.nn.conv2d's strides take (<c>poolSize: new[] { 1, 2, 2, 1 }</c>).</summary>
    /// <exception cref="ArgumentException">Another length, or a 4-element form whose batch or channel entry is not 1.</exception>
    public static implicit operator Size2(int[] sizes) => FromList(sizes, "Size2", "size");

    /// <summary>A (height, width) pair from TensorFlow's list forms (see the int[] conversion); errors name <paramref name="op"/>
    /// and the argument <paramref name="what"/>.</summary>
    /// <exception cref="ArgumentException">Another length, or a 4-element form whose batch or channel entry is not 1.</exception>
    public static Size2 FromList(int[] sizes, string op, string what)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        switch (sizes.Length)
        {
            case 1: return new(sizes[0], sizes[0]);
            case 2: return new(sizes[0], sizes[1]);
            case 4:
                if (sizes[0] != 1 || sizes[3] != 1)
                    throw new ArgumentException($"{op}: {what} [{string.Join(", ", sizes)}] is in NHWC order and its batch and channel entries must be 1 " +
                        "(pooling and convolution step over height and width only); e.g. [1, 2, 2, 1].");
                return new(sizes[1], sizes[2]);
            default:
                throw new ArgumentException($"{op}: {what} [{string.Join(", ", sizes)}] has {sizes.Length} entries; give 1, 2 or 4 (NHWC: [1, h, w, 1]).");
        }
    }

    /// <summary>[Height, Width].</summary>
    public int[] ToArray() => [Height, Width];

    /// <summary>"(h, w)".</summary>
    public override string ToString() => $"({Height}, {Width})";
}
