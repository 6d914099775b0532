namespace Eager.Onnx.Import;

internal static partial class OnnxOps
{
    private static void AddRecurrent(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        h["LSTM"] = c =>
        {
            var (direction, layout) = RecurrentAttributes(c, 4, ["Sigmoid", "Tanh", "Tanh"]);
            if (c.Int("input_forget", 0) != 0) throw c.Unsupported("input_forget = 1 (coupled input and forget gates)");
            var (y, yh, yc) = Ops.Lstm(c.In(0), c.In(1), c.In(2), c.Opt(3), c.Opt(4), c.Opt(5), c.Opt(6), c.Opt(7), direction, layout);
            return [y, yh, yc];
        };
        h["GRU"] = c =>
        {
            var (direction, layout) = RecurrentAttributes(c, 3, ["Sigmoid", "Tanh"]);
            var (y, yh) = Ops.Gru(c.In(0), c.In(1), c.In(2), c.Opt(3), c.Opt(4), c.Opt(5), direction, c.Int("linear_before_reset", 0) != 0, layout);
            return [y, yh];
        };
        h["RNN"] = c =>
        {
            var (direction, layout) = RecurrentAttributes(c, 1, ["Tanh"]);
            var (y, yh) = Ops.Rnn(c.In(0), c.In(1), c.In(2), c.Opt(3), c.Opt(4), c.Opt(5), direction, layout);
            return [y, yh];
        };
    }

    /// <summary>The direction and layout of an ONNX RNN, GRU or LSTM node, after refusing what Eager's ops do not
    /// compute: activations other than the defaults, and clipping.</summary>
    private static (string Direction, int Layout) RecurrentAttributes(ImportContext c, int gates, string[] defaults)
    {
        var direction = c.Str("direction", "forward");
        int directions = direction == "bidirectional" ? 2 : 1;
        if (c.Node.Attribute.FirstOrDefault(a => a.Name == "activations") is { } acts)
        {
            var names = acts.Strings.Select(s => s.ToStringUtf8()).ToArray();
            bool standard = names.Length == defaults.Length * directions
                && names.Select((n, i) => string.Equals(n, defaults[i % defaults.Length], StringComparison.OrdinalIgnoreCase)).All(b => b);
            if (!standard)
                throw c.Unsupported($"activations [{string.Join(", ", names)}] (only the defaults [{string.Join(", ", defaults)}] per direction)");
        }
        if (c.Has("clip")) throw c.Unsupported("the clip attribute");
        var r = c.In(2);
        long hidden = c.Int("hidden_size", -1);
        if (hidden >= 0 && r.Rank == 3 && r.Shape[2] >= 0 && r.Shape[2] != hidden)
            throw new ArgumentException($"hidden_size = {hidden}, but R is {r.Shape} (expected [directions, {gates} * hidden, hidden]).");
        long layout = c.Int("layout", 0);
        if (layout is not (0 or 1)) throw c.Unsupported($"layout = {layout}");
        return (direction, (int)layout);
    }
}
