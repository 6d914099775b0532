using System.Globalization;
using System.Text;

namespace Eager.NN;

public abstract partial class Layer
{
    /// <summary>
    /// Writes a Keras-style table of the direct sub-layers (or of this layer, when it has none): name and
    /// type, output shape (batch shown as None), and parameter count; then the totals. The layer must have
    /// been called once or built with <see cref="Build"/>. Returns the text as well.
    /// </summary>
    /// <exception cref="InvalidOperationException">The layer is not built yet.</exception>
    public string Summary(TextWriter? writer = null)
    {
        if (!Built)
            throw new InvalidOperationException($"{GetType().Name} '{Name}'.Summary: the layer is not built; call it once or call Build(inputShape) first.");
        var rows = new List<(string Layer, string Shape, string Params)>();
        var items = Layers.Count > 0 ? Layers : [this];
        foreach (var l in items)
            rows.Add(($"{l.Name} ({l.GetType().Name})", l.OutputShape is { } s ? BatchAsNone(s).ToString() : "?", l.CountParams().ToString("N0", CultureInfo.InvariantCulture)));
        int w0 = Math.Max(12, rows.Max(r => r.Layer.Length)) + 2, w1 = Math.Max(12, rows.Max(r => r.Shape.Length)) + 2;
        int w2 = Math.Max(7, rows.Max(r => r.Params.Length));
        var line = new string('-', w0 + w1 + w2);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Model: \"{Name}\"");
        sb.AppendLine(line);
        sb.AppendLine("Layer (type)".PadRight(w0) + "Output Shape".PadRight(w1) + "Param #".PadLeft(w2));
        sb.AppendLine(new string('=', w0 + w1 + w2));
        foreach (var r in rows) sb.AppendLine(r.Layer.PadRight(w0) + r.Shape.PadRight(w1) + r.Params.PadLeft(w2));
        sb.AppendLine(new string('=', w0 + w1 + w2));
        long total = CountParams(), trainable = TrainableVariables.Sum(v => (long)v.Shape.Size);
        sb.AppendLine(CultureInfo.InvariantCulture, $"Total params: {total:N0}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Trainable params: {trainable:N0}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Non-trainable params: {total - trainable:N0}");
        sb.Append(line);
        var text = sb.ToString();
        (writer ?? Console.Out).WriteLine(text);
        return text;
    }

    private static Shape BatchAsNone(Shape s)
    {
        if (s.Rank == 0) return s;
        var d = s.ToArray();
        d[0] = -1;
        return new Shape(d);
    }

    /// <summary>A symbolic input for shape tracing in a scratch graph (never run).</summary>
    private static Tensor SymbolicInput(Shape shape, DType dtype) => Ops.Placeholder(dtype, shape, name: "input");
}
