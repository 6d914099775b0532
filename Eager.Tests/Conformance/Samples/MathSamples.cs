namespace Eager.Tests.Conformance;

public static partial class OpSamples
{
    /// <summary>Keeps a draw at least 0.3 away from each kink (where finite differences straddle a corner).</summary>
    private static double AwayFrom(double v, params double[] kinks)
    {
        foreach (var k in kinks)
            if (Math.Abs(v - k) < 0.3) v = v >= k ? k + 0.3 + (v - k) : k - 0.3 + (v - k);
        return v;
    }

    private static double Positive(double v) => Math.Abs(v) + 0.5;

    /// <summary>Samples for the element-wise ops in Ops/Math.cs, MathUnary.cs, Activations.cs and Compare.cs.</summary>
    public static IEnumerable<OpSample> MathOps()
    {
        // Binary arithmetic beyond the four basic ops.
        yield return new("Pow", [new(2, 3), new(3)], x => Ops.Pow(x[0], x[1]), Domain: Positive);
        yield return new("Pow", [new(2, 3)], x => Ops.Pow(x[0], 3.0)) { Label = "cube of any sign" };
        yield return new("Maximum", [new(2, 3), new(3)], x => Ops.Maximum(x[0], x[1]));
        yield return new("Minimum", [new(2, 1), new(1, 3)], x => Ops.Minimum(x[0], x[1]));
        yield return new("SquaredDifference", [new(2, 3), new(2, 1)], x => Ops.SquaredDifference(x[0], x[1]));
        yield return new("ClipByValue", [new(2, 3)], x => Ops.ClipByValue(x[0], -0.5, 0.5), Domain: v => AwayFrom(v, -0.5, 0.5));
        yield return new("ClipByValue", [new(2, 3), new(3)], x => Ops.ClipByValue(x[0], x[1] - 0.7, x[1] + 0.7)) { Label = "tensor bounds" };

        // Unary math.
        yield return new("Abs", [new(2, 3)], x => Ops.Abs(x[0]), Domain: v => AwayFrom(v, 0));
        yield return new("Sign", [new(2, 3)], x => Ops.Sign(x[0]), Domain: v => AwayFrom(v, 0));
        yield return new("Square", [new(2, 3)], x => Ops.Square(x[0]));
        yield return new("Exp", [new(2, 3)], x => Ops.Exp(x[0]));
        yield return new("Log", [new(2, 3)], x => Ops.Log(x[0]), Domain: Positive);
        yield return new("Log1p", [new(2, 3)], x => Ops.Log1p(x[0]), Domain: v => Math.Abs(v) - 0.5);
        yield return new("Sqrt", [new(2, 3)], x => Ops.Sqrt(x[0]), Domain: Positive);
        yield return new("Rsqrt", [new(2, 3)], x => Ops.Rsqrt(x[0]), Domain: Positive);
        yield return new("Sin", [new(2, 3)], x => Ops.Sin(x[0]));
        yield return new("Cos", [new(2, 3)], x => Ops.Cos(x[0]));
        yield return new("Erf", [new(2, 3)], x => Ops.Erf(x[0]));
        yield return new("Floor", [new(2, 3)], x => Ops.Floor(x[0] * 3.0), Differentiable: false);
        yield return new("Round", [new(2, 3)], x => Ops.Round(x[0] * 3.0), Differentiable: false);

        // Activations.
        yield return new("Tanh", [new(2, 3)], x => Ops.Tanh(x[0]));
        yield return new("Sigmoid", [new(2, 3)], x => Ops.Sigmoid(x[0]));
        yield return new("Relu", [new(2, 3)], x => Ops.Relu(x[0]), Domain: v => AwayFrom(v, 0));
        yield return new("Relu6", [new(2, 3)], x => Ops.Relu6(x[0]), Domain: v => AwayFrom(4 * v, 0, 6));
        yield return new("Elu", [new(2, 3)], x => Ops.Elu(x[0]), Domain: v => AwayFrom(v, 0));
        yield return new("Selu", [new(2, 3)], x => Ops.Selu(x[0]), Domain: v => AwayFrom(v, 0));
        yield return new("LeakyRelu", [new(2, 3)], x => Ops.LeakyRelu(x[0]), Domain: v => AwayFrom(v, 0));
        yield return new("LeakyRelu", [new(2, 3)], x => Ops.LeakyRelu(x[0], alpha: 0.05), Domain: v => AwayFrom(v, 0)) { Label = "alpha 0.05" };
        yield return new("Softplus", [new(2, 3)], x => Ops.Softplus(x[0]), Domain: v => 10 * v);
        yield return new("Gelu", [new(2, 3)], x => Ops.Gelu(x[0]), Domain: v => 3 * v);
        yield return new("Gelu", [new(2, 3)], x => Ops.Gelu(x[0], approximate: true), Domain: v => 3 * v) { Label = "tanh" };

        // Comparisons and logic (bool results, no gradient).
        yield return new("Equal", [new(2, 3), new(3)], x => Ops.Equal(Ops.Round(x[0]), Ops.Round(x[1])), Differentiable: false);
        yield return new("NotEqual", [new(2, 3), new(3)], x => Ops.NotEqual(Ops.Round(x[0]), Ops.Round(x[1])), Differentiable: false);
        yield return new("Less", [new(2, 3), new(3)], x => Ops.Less(x[0], x[1]), Differentiable: false);
        yield return new("LessEqual", [new(2, 1), new(3)], x => Ops.LessEqual(x[0], x[1]), Differentiable: false);
        yield return new("Greater", [new(2, 3), new(2, 3)], x => x[0] > x[1], Differentiable: false);
        yield return new("GreaterEqual", [new(3), new(2, 3)], x => x[0] >= x[1], Differentiable: false);
        yield return new("LogicalAnd", [new(2, 3), new(3)], x => Ops.LogicalAnd(x[0] > 0.0, x[1] > 0.0), Differentiable: false);
        yield return new("LogicalOr", [new(2, 3), new(3)], x => Ops.LogicalOr(x[0] > 0.0, x[1] > 0.0), Differentiable: false);
        yield return new("LogicalNot", [new(2, 3)], x => Ops.LogicalNot(x[0] > 0.0), Differentiable: false);

        // Where: the condition comes from input 0 (no gradient); x and y broadcast against it.
        yield return new("Where", [new(2, 3), new(3), new(2, 1)], x => Ops.Where(x[0] > 0.0, x[1], x[2]), Domain: v => AwayFrom(v, 0));

        // Cast: integer and bool ends carry no gradient; a float64 -> float32 -> float64 round trip does, but
        // float32 rounding limits the finite differences, hence the loose tolerance.
        yield return new("Cast", [new(2, 3)], x => Ops.Cast(x[0] * 3.0, DType.Int32), Differentiable: false);
        yield return new("Cast", [new(2, 3)], x => Ops.Cast(x[0], DType.Bool), Differentiable: false) { Label = "to bool" };
        yield return new("Cast", [new(2, 3)], x => Ops.Cast(x[0] > 0.0, DType.Float64), Differentiable: false) { Label = "from bool" };
        yield return new("Cast", [new(2, 3)], x => Ops.Cast(Ops.Cast(x[0], DType.Float32), DType.Float64)) { Label = "float32 round trip", GradTolerance = 1e-2 };
    }
}
