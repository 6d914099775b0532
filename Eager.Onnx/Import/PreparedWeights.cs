using System.Collections.Concurrent;

namespace Eager.Onnx.Import;

/// <summary>
/// One model's initializers in the layouts its ops want (an OIHW filter as HWIO), made once and kept contiguous, for
/// eager runs: the op-by-op path would otherwise transpose and copy every filter on every call. A value is kept only
/// for the model's own initializer tensor, which no caller can watch on a tape or change.
/// </summary>
internal sealed class PreparedWeights(IReadOnlyDictionary<string, Tensor> initializers)
{
    private readonly ConcurrentDictionary<(string Name, string Layout), Tensor> made = new();

    public Tensor Get(string name, Tensor value, string layout, Func<Tensor, Tensor> prepare)
    {
        if (!initializers.TryGetValue(name, out var init) || !ReferenceEquals(init, value)) return prepare(value);
        return made.GetOrAdd((name, layout), _ =>
        {
            using (GradientTape.NoGradient()) return prepare(value).Contiguous();
        });
    }
}
