using System.Runtime.CompilerServices;

namespace Eager;

/// <summary>
/// An immutable n-d array. A tensor is either <em>concrete</em> (it views a <see cref="Eager.Storage"/>
/// through strides and an offset) or <em>symbolic</em> (an output of a graph <see cref="Node"/>, holding
/// no data until a <see cref="Session"/> runs it). Views (reshape, transpose, slices, broadcasts)
/// share storage. Operators forward to <see cref="Ops"/>.
/// </summary>
public sealed partial class Tensor
{
    private readonly int[] strides;

    // The tapes watching this tensor: null, one tape's token or an array of them (GradientTape.Watchers.cs).
    internal object? Watchers;

    internal Tensor(Storage storage, Shape shape, int[] strides, int offset)
    {
        Storage = storage;
        Shape = shape;
        DType = storage.DType;
        this.strides = strides;
        Offset = offset;
        storage.Aliases?.Add(this);
    }

    /// <summary>A contiguous tensor over <paramref name="storage"/>.</summary>
    internal Tensor(Storage storage, Shape shape) : this(storage, shape, shape.ContiguousStrides(), 0) { }

    /// <summary>A symbolic tensor: output <paramref name="index"/> of <paramref name="node"/>.</summary>
    internal Tensor(Node node, int index, Shape shape, DType dtype)
    {
        Node = node;
        OutputIndex = index;
        Shape = shape;
        DType = dtype;
        strides = [];
    }

    /// <summary>The dimensions.</summary>
    public Shape Shape { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>Rank (number of dimensions).</summary>
    public int Rank => Shape.Rank;

    /// <summary>The buffer this tensor views; null for a symbolic tensor.</summary>
    internal Storage? Storage { get; }

    /// <summary>Offset of element [0,...,0] in the storage, in elements.</summary>
    internal int Offset { get; }

    /// <summary>Strides in elements (0 for a broadcast dimension).</summary>
    internal ReadOnlySpan<int> Strides => strides;

    internal int[] StridesArray => strides;

    /// <summary>For a symbolic tensor: the graph node producing it.</summary>
    public Node? Node { get; }

    /// <summary>For a symbolic tensor: which output of <see cref="Node"/> it is.</summary>
    public int OutputIndex { get; }

    /// <summary>True for a graph tensor that holds no data.</summary>
    public bool IsSymbolic => Storage is null;

    /// <summary>The graph of a symbolic tensor; null for a concrete one.</summary>
    public Graph? Graph => Node?.Graph;

    /// <summary>For a symbolic tensor, "node:index"; for a concrete one, null.</summary>
    public string? Name => Node is null ? null : $"{Node.Name}:{OutputIndex}";

    /// <summary>The operation producing a symbolic tensor (for control dependencies and Session.Run).</summary>
    public Operation Op => Node is null
        ? throw new InvalidOperationException("Tensor.Op: this tensor is concrete (eager); only graph tensors have an operation.")
        : new Operation(Node);

    /// <summary>True when elements are laid out row-major without gaps from <see cref="Offset"/>.</summary>
    public bool IsContiguous
    {
        get
        {
            if (Storage is null) return false;
            if (Shape.Size == 0) return true; // nothing to lay out; strides of an empty tensor are arbitrary
            int expect = 1;
            for (int i = Rank - 1; i >= 0; i--)
            {
                int d = Shape[i];
                if (d != 1 && strides[i] != expect) return false;
                expect *= d;
            }
            return true;
        }
    }

    /// <summary>Throws a clear error when data is requested from a symbolic tensor.</summary>
    internal Storage RequireStorage(string what)
    {
        if (Storage is not null) return Storage;
        throw new TracerException(
            $"{what}: tensor '{Name}' (shape {Shape}, {DType.Name()}) is symbolic: it belongs to a graph and has no value yet. " +
            "Inside Function.Create use Ops.Cond/Ops.Where instead of reading values, or run the graph in a Session and read the result.");
    }

    /// <summary>The elements as a contiguous span (the tensor must be contiguous and of element type T).</summary>
    internal Span<T> Span<T>(string what = "Tensor.Span") where T : unmanaged
    {
        var s = RequireStorage(what);
        if (s is not Storage<T> typed)
            throw new InvalidOperationException($"{what}: tensor of dtype {DType.Name()} and shape {Shape} read as {typeof(T).Name}.");
        if (!IsContiguous) throw new InvalidOperationException($"{what}: the tensor of shape {Shape} is a non-contiguous view; call Contiguous() first.");
        return typed.Array.AsSpan(Offset, Shape.Size);
    }

    /// <summary>
    /// The elements of a contiguous tensor, row-major, without a copy (for writers of checkpoints and other
    /// files, and for interop). The span points into the tensor's pooled buffer, which goes back to the pool
    /// once the tensor is unreachable: keep the tensor alive while the span is used, for example with
    /// <c>GC.KeepAlive(tensor)</c> after the last read.
    /// </summary>
    /// <typeparam name="T">The element type of <see cref="DType"/> (float, double, int, long or bool).</typeparam>
    /// <exception cref="TracerException">The tensor is symbolic.</exception>
    /// <exception cref="InvalidOperationException">T is not the tensor's element type, or the tensor is a
    /// non-contiguous view (call <see cref="Contiguous"/> first).</exception>
    public ReadOnlySpan<T> AsReadOnlySpan<T>() where T : unmanaged => Span<T>("Tensor.AsReadOnlySpan");

    /// <summary>
    /// The elements of a contiguous tensor as a writable span over its pooled buffer, for native code that produces a
    /// tensor's values (MPI collectives writing their result). Tensors are immutable to everything else: write only into
    /// a tensor you have just made with <see cref="Empty"/> and not yet handed on. Keep the tensor alive while the span
    /// is used, as with <see cref="AsReadOnlySpan{T}"/>.
    /// </summary>
    /// <exception cref="TracerException">The tensor is symbolic.</exception>
    /// <exception cref="InvalidOperationException">T is not the tensor's element type, or the tensor is a
    /// non-contiguous view.</exception>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        var span = Span<T>("Tensor.AsSpan");
        // The caller may write: what was derived from the old contents (packed filters) is stale.
        Storage!.Modified();
        return span;
    }

    /// <summary>This tensor if contiguous, otherwise a contiguous copy.</summary>
    public Tensor Contiguous()
    {
        RequireStorage("Contiguous");
        if (IsContiguous) return this;
        var result = Empty(Shape, DType);
        StridedCopy.Copy(this, result);
        return result;
    }

    /// <summary>A new contiguous tensor of uninitialised memory from the buffer pool (torch.empty): for code that fills
    /// every element itself through <see cref="AsSpan{T}"/>, such as native collectives writing their result.</summary>
    /// <exception cref="ArgumentException">The shape has unknown dimensions.</exception>
    public static Tensor Empty(Shape shape, DType dtype)
    {
        if (!shape.IsFullyDefined) throw new ArgumentException($"Cannot allocate a tensor of partially unknown shape {shape}.");
        return new Tensor(Storage.Allocate(dtype, shape.Size), shape);
    }

    /// <summary>A view over the same storage with other shape/strides/offset.</summary>
    internal Tensor View(Shape shape, int[] newStrides, int offset) => new(RequireStorage("View"), shape, newStrides, offset);

    /// <summary>Keeps the storage alive until this point (kernels work on spans the GC cannot see through).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal void KeepAlive() => GC.KeepAlive(Storage);
}

/// <summary>Thrown when data is requested from a symbolic tensor during tracing or graph building.</summary>
public sealed class TracerException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public TracerException(string message) : base(message) { }
}

/// <summary>TensorFlow's OutOfRangeError: a closed queue or an exhausted input was read.</summary>
public sealed class OutOfRangeException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public OutOfRangeException(string message) : base(message) { }
}
