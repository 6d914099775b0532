namespace StyleTransfer;

/// <summary>
/// Limited-memory BFGS (Nocedal and Wright, "Numerical Optimization", algorithm 7.4: the two-loop recursion)
/// with a backtracking Armijo line search, in float64 over a flat parameter vector.
/// </summary>
internal sealed class Lbfgs(float[] start, int history = 10)
{
    private readonly List<(double[] S, double[] Y, double Rho)> memory = [];
    private double[] x = start.Select(v => (double)v).ToArray();
    private double[]? g;
    private double f;

    /// <summary>One iteration; <paramref name="evaluate"/> returns the loss and gradient at a point.</summary>
    public float[] Step(Func<float[], (float Loss, float[] Grad)> evaluate)
    {
        (double, double[]) Eval(double[] p)
        {
            var (l, gr) = evaluate(p.Select(v => (float)v).ToArray());
            return (l, gr.Select(v => (double)v).ToArray());
        }
        if (g is null) (f, g) = Eval(x);
        var d = Direction(g);
        double slope = Dot(g, d);
        if (slope >= 0) { memory.Clear(); d = g.Select(v => -v).ToArray(); slope = Dot(g, d); }
        double t = memory.Count == 0 ? Math.Min(1.0, 1.0 / Math.Sqrt(Dot(g, g) + 1e-12)) * 255 : 1.0;
        for (int tries = 0; ; tries++)
        {
            var xn = x.Zip(d, (a, b) => a + t * b).ToArray();
            var (fn, gn) = Eval(xn);
            if (fn <= f + 1e-4 * t * slope || tries >= 10)
            {
                var s = xn.Zip(x, (a, b) => a - b).ToArray();
                var y = gn.Zip(g, (a, b) => a - b).ToArray();
                double sy = Dot(s, y);
                if (sy > 1e-10)
                {
                    memory.Add((s, y, 1 / sy));
                    if (memory.Count > history) memory.RemoveAt(0);
                }
                (x, f, g) = (xn, fn, gn);
                break;
            }
            t *= 0.5;
        }
        return x.Select(v => (float)v).ToArray();
    }

    private double[] Direction(double[] grad)
    {
        var q = (double[])grad.Clone();
        var alpha = new double[memory.Count];
        for (int i = memory.Count - 1; i >= 0; i--)
        {
            alpha[i] = memory[i].Rho * Dot(memory[i].S, q);
            Axpy(-alpha[i], memory[i].Y, q);
        }
        if (memory.Count > 0)
        {
            var (s, y, _) = memory[^1];
            double gamma = Dot(s, y) / Dot(y, y);
            for (int i = 0; i < q.Length; i++) q[i] *= gamma;
        }
        for (int i = 0; i < memory.Count; i++)
        {
            double beta = memory[i].Rho * Dot(memory[i].Y, q);
            Axpy(alpha[i] - beta, memory[i].S, q);
        }
        for (int i = 0; i < q.Length; i++) q[i] = -q[i];
        return q;
    }

    private static double Dot(double[] a, double[] b) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }

    private static void Axpy(double a, double[] x, double[] y) { for (int i = 0; i < y.Length; i++) y[i] += a * x[i]; }
}
