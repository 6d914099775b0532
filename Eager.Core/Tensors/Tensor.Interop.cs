namespace Eager;

public sealed partial class Tensor
{
    /// <summary>
    /// The elements of a contiguous concrete tensor as a span over its pooled buffer, without copying, for native
    /// interop (MPI collectives, BLAS). Tensors are immutable to everything else: write through the span only into a
    /// tensor you have just made with <see cref="Empty"/> and not yet handed on. The span does not keep the buffer
    /// alive: keep the tensor reachable (<c>GC.KeepAlive(tensor)</c>) until native code is done with the memory.
    /// </summary>
    /// <exception cref="TracerException">The tensor is symbolic.</exception>
    /// <exception cref="InvalidOperationException">T is not the tensor's element type, or the tensor is a strided view (call <see cref="Contiguous"/> first).</exception>
    public Span<T> AsSpan<T>() where T : unmanaged => Span<T>();
}
