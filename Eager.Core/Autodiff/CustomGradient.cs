using static Eager.Ops;
using static Eager.CustomGradientOps;

namespace Eager;

/// <summary>The user's forward and backward functions of one <see cref="Ops.CustomGradient"/> call, kept as the op's
/// "function" attribute (a runtime object: graphs holding it run in a Session but cannot be saved to a file).</summary>
public sealed class CustomGradientFunction
{
    internal CustomGradientFunction(Func<Tensor[], Tensor> forward, Func<Tensor[], Tensor, Tensor, Tensor?[]> backward)
    {
        Forward = forward;
        Backward = backward;
    }

    /// <summary>Computes the output from the inputs.</summary>
    public Func<Tensor[], Tensor> Forward { get; }

    /// <summary>(inputs, output, gradient of the output) to one gradient per input (null for none).</summary>
    public Func<Tensor[], Tensor, Tensor, Tensor?[]> Backward { get; }

    /// <inheritdoc/>
    public override string ToString() => $"custom({Forward.Method.Name}, {Backward.Method.Name})";
}

public static partial class Ops
{
    /// <summary>
    /// Applies <paramref name="forward"/> to <paramref name="inputs"/> and gives the result the gradient computed by
    /// <paramref name="backward"/>(inputs, output, gradient of the output), which returns one gradient per input
    /// (null for none), shaped like that input. Recorded as one CustomGradient op, so tapes, nested tapes
    /// (when backward is written with <see cref="Ops"/>) and graphs treat it like any other op. Use it for
    /// numerically stable gradients or gradient clipping. Ops inside <paramref name="forward"/> are not recorded;
    /// a variable used there gets no gradient unless it is passed (read) as one of the inputs.
    /// </summary>
    /// <exception cref="ArgumentNullException">A function or an input is null.</exception>
    /// <exception cref="InvalidOperationException">The forward function returned null.</exception>
    public static Tensor CustomGradient(Func<Tensor[], Tensor> forward, Func<Tensor[], Tensor, Tensor, Tensor?[]> backward, params Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(backward);
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"CustomGradient: input {i} is null.");
        Tensor y;
        using (GradientTape.NoGradient())
            y = forward((Tensor[])inputs.Clone()) ?? throw new InvalidOperationException("CustomGradient: the forward function returned null.");
        var fn = new CustomGradientFunction(forward, backward);
        return Dispatcher.Apply(CustomGradientDef, [.. inputs, y], new Attrs { { "function", fn } })[0];
    }
}

internal static partial class CustomGradientOps
{
    internal const string CustomGradientName = "CustomGradient";
    // Inputs: the user's inputs, then the forward result. The op is an identity on the forward result whose
    // gradient rule is the user's backward function; the forward computation itself is never recorded, so no
    // gradient reaches it. Eagerly the forward runs at once; in a graph its ops become ordinary nodes.
    internal static readonly OpDef CustomGradientDef = new(CustomGradientName,
        (x, a) =>
        {
            if (x.Length < 1) throw new ArgumentException("CustomGradient: expected the inputs followed by the forward result; got no tensors.");
            _ = a.Get<CustomGradientFunction>("function");
            return [TensorSpec.Of(x[^1])];
        },
        (x, _) => [x[^1].View(x[^1].Shape, x[^1].StridesArray, x[^1].Offset)])
    {
        Gradient = c =>
        {
            var fn = c.Attrs.Get<CustomGradientFunction>("function");
            var inputs = c.Inputs[..^1];
            var grads = fn.Backward(inputs, c.Y, c.Grad)
                ?? throw new InvalidOperationException("CustomGradient: the backward function returned null; return one gradient (or null) per input.");
            if (grads.Length != inputs.Length)
                throw new InvalidOperationException($"CustomGradient: the backward function returned {grads.Length} gradients for {inputs.Length} inputs; return one (or null) per input.");
            return [.. grads, null];
        },
        // Forward, the op passes the forward result through; the forward's own ops export as themselves.
        Onnx = e => e.Add("Identity", [e.Input(e.Node.Inputs.Length - 1)], [e.Output(0)]),
    };
}
