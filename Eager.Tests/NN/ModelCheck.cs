using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>Float64 finite-difference checks through whole models, for the NN tests.</summary>
internal static class ModelCheck
{
    /// <summary>
    /// Checks the tape's gradients of <c>loss(model(x))</c> with respect to every trainable variable and to the
    /// input against central finite differences along a random direction (JAX's check_vjp idea), in float64.
    /// </summary>
    public static void CheckGradients(Layer model, Tensor x, Func<Tensor, Tensor> loss, bool training = false, double eps = 1e-5, double tol = 1e-6, bool checkInput = true)
    {
        Tensor Forward(Tensor input) => loss(model.Call(input, training));
        _ = Forward(x); // build
        var vars = model.TrainableVariables;
        Tensor?[] grads;
        Tensor? gx;
        using (var tape = new GradientTape(persistent: true))
        {
            tape.Watch(x);
            var l = Forward(x);
            grads = tape.Gradient(l, vars);
            gx = checkInput ? tape.Gradient(l, x) : null;
        }
        var rng = new Random(11);
        for (int i = 0; i < vars.Count; i++)
        {
            var v = vars[i];
            Assert.That(grads[i], Is.Not.Null, $"gradient of {v.Name} is null");
            var d = Direction(rng, v.Shape);
            double analytic = Dot(grads[i]!, d);
            var orig = v.Value;
            v.Assign(orig + d * eps);
            double plus = Forward(x).Item<double>();
            v.Assign(orig - d * eps);
            double minus = Forward(x).Item<double>();
            v.Assign(orig);
            double numeric = (plus - minus) / (2 * eps);
            Assert.That(analytic, Is.EqualTo(numeric).Within(tol * (1 + Math.Abs(numeric))), $"d loss / d {v.Name}");
        }
        if (checkInput && x.DType.IsFloating)
        {
            Assert.That(gx, Is.Not.Null, "gradient of the input is null");
            var d = Direction(rng, x.Shape);
            double analytic = Dot(gx!, d);
            double numeric = (Forward(x + d * eps).Item<double>() - Forward(x - d * eps).Item<double>()) / (2 * eps);
            Assert.That(analytic, Is.EqualTo(numeric).Within(tol * (1 + Math.Abs(numeric))), "d loss / d input");
        }
    }

    private static Tensor Direction(Random rng, Shape shape)
    {
        var v = new double[shape.Size];
        for (int i = 0; i < v.Length; i++) v[i] = rng.NextDouble() * 2 - 1;
        return Tensor.From(v, shape);
    }

    private static double Dot(Tensor a, Tensor b) => a.ToDoubleArray().Zip(b.ToDoubleArray(), (p, q) => p * q).Sum();

    /// <summary>The elements as float64.</summary>
    public static double[] D(this Tensor t) => t.ToDoubleArray();
}
