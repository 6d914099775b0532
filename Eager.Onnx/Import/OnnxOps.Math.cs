namespace Eager.Onnx.Import;

/// <summary>Element-wise operators.</summary>
internal static partial class OnnxOps
{
    private static void AddMath(Dictionary<string, Func<ImportContext, Tensor[]>> h)
    {
        void Unary(string name, Func<Tensor, Tensor> f) => h[name] = c => [f(c.In(0))];
        void Binary(string name, Func<Tensor, Tensor, Tensor> f) => h[name] = c => [f(c.In(0), c.In(1))];
        Unary("Relu", Ops.Relu);
        Unary("Sigmoid", Ops.Sigmoid);
        Unary("Tanh", Ops.Tanh);
        Unary("Exp", Ops.Exp);
        Unary("Log", Ops.Log);
        Unary("Sqrt", Ops.Sqrt);
        Unary("Abs", Ops.Abs);
        Unary("Floor", Ops.Floor);
        Unary("Sin", Ops.Sin);
        Unary("Cos", Ops.Cos);
        Unary("Sign", Ops.Sign);
        Unary("Round", Ops.Round);
        Unary("Erf", Ops.Erf);
        Unary("Softplus", Ops.Softplus);
        Unary("Not", Ops.LogicalNot);
        Unary("Reciprocal", x => Ops.OnesLike(x) / x);
        h["Elu"] = c =>
        {
            double alpha = c.Float("alpha", 1f);
            var x = c.In(0);
            return [alpha == 1 ? Ops.Elu(x) : Ops.Where(Ops.Greater(x, Ops.ZerosLike(x)), x, Ops.Elu(x) * alpha)];
        };
        h["Selu"] = c =>
        {
            if (c.Has("alpha") || c.Has("gamma"))
            {
                var x = c.In(0);
                double alpha = c.Float("alpha", 1.67326319217681884765625f), gamma = c.Float("gamma", 1.05070102214813232421875f);
                return [Ops.Where(Ops.Greater(x, Ops.ZerosLike(x)), x * gamma, (Ops.Exp(x) - 1.0) * (alpha * gamma))];
            }
            return [Ops.Selu(c.In(0))];
        };
        h["LeakyRelu"] = c => [Ops.LeakyRelu(c.In(0), c.Float("alpha", 0.01f))];
        Binary("Pow", (a, b) => Ops.Pow(a, b.DType == a.DType ? b : Ops.Cast(b, a.DType)));
        Binary("Equal", Ops.Equal);
        Binary("Less", Ops.Less);
        Binary("Greater", Ops.Greater);
        Binary("LessOrEqual", Ops.LessEqual);
        Binary("GreaterOrEqual", Ops.GreaterEqual);
        Binary("And", Ops.LogicalAnd);
        Binary("Or", Ops.LogicalOr);
        h["Max"] = c => [Variadic(c, Ops.Maximum)];
        h["Min"] = c => [Variadic(c, Ops.Minimum)];
        h["Mean"] = c => [Variadic(c, Ops.Add) / (double)c.Inputs.Count(t => t is not null)];
        h["Where"] = c => [Ops.Where(c.In(0), c.In(1), c.In(2))];
        h["Cast"] = c => [Ops.Cast(c.In(0), OnnxTensors.FromElemType((int)c.Int("to", 1), $"Cast node '{c.Node.Name}'"))];
        h["Clip"] = c =>
        {
            var x = c.In(0);
            Tensor lo, hi;
            if (c.Opset >= 11)
            {
                lo = c.Opt(1) ?? Tensor.Scalar(double.NegativeInfinity, x.DType);
                hi = c.Opt(2) ?? Tensor.Scalar(double.PositiveInfinity, x.DType);
            }
            else
            {
                lo = Tensor.Scalar(c.Float("min", float.NegativeInfinity), x.DType);
                hi = Tensor.Scalar(c.Float("max", float.PositiveInfinity), x.DType);
            }
            if (!x.DType.IsFloating) return [Ops.Minimum(Ops.Maximum(x, lo), hi)];
            return [Ops.ClipByValue(x, lo, hi)];
        };
        h["Softmax"] = c => [SoftmaxLike(c, Ops.Softmax)];
        h["LogSoftmax"] = c => [SoftmaxLike(c, Ops.LogSoftmax)];
        h["Dropout"] = c =>
        {
            var x = c.In(0);
            bool training = c.Opt(2) is { } mode && (mode.IsSymbolic || mode.ToDoubleArray()[0] != 0);
            bool zeroRatio = c.Opt(1) is { IsSymbolic: false } ratio && ratio.ToDoubleArray()[0] == 0;
            if (training && !zeroRatio)
                throw c.Unsupported("Dropout in training mode (its random mask cannot match another runtime's)");
            return c.Node.Output.Count > 1 ? [x, Ops.Cast(Ops.OnesLike(x), DType.Bool)] : [x];
        };
        h["Gemm"] = c =>
        {
            var a = c.In(0); var b = c.In(1);
            double alpha = c.Float("alpha", 1f), beta = c.Float("beta", 1f);
            var y = Ops.MatMul(a, b, transposeA: c.Int("transA", 0) != 0, transposeB: c.Int("transB", 0) != 0);
            if (alpha != 1) y *= alpha;
            if (c.Opt(2) is { } bias) y += beta == 1 ? bias : bias * beta;
            return [y];
        };
    }

    private static Tensor Variadic(ImportContext c, Func<Tensor, Tensor, Tensor> f) =>
        c.Inputs.Where(t => t is not null).Select(t => t!).Aggregate(f);

    /// <summary>Before opset 13, Softmax flattens to 2-D at <c>axis</c> (default 1); from 13 it is per-axis (default -1).</summary>
    private static Tensor SoftmaxLike(ImportContext c, Func<Tensor, int, Tensor> f)
    {
        var x = c.In(0);
        if (c.Opset >= 13) return f(x, (int)c.Int("axis", -1));
        int axis = (int)c.Int("axis", 1);
        if (axis < 0) axis += x.Rank;
        if (axis == x.Rank - 1) return f(x, -1);
        int outer = 1, inner = 1;
        for (int i = 0; i < x.Rank; i++) { if (i < axis) outer *= x.Shape[i]; else inner *= x.Shape[i]; }
        if (outer < 0 || inner < 0) throw c.Unsupported("Softmax (opset < 13) over unknown dimensions");
        return Ops.ReshapeLike(f(Ops.Reshape(x, outer, inner), -1), x);
    }
}
