namespace Eager.NN;

/// <summary>
/// Post-training int8 quantisation of a <see cref="Sequential"/> model, with ONNX's QuantizeLinear/DequantizeLinear
/// arithmetic: weights per output channel, symmetric int8 (zero point 0); activations per tensor, asymmetric uint8;
/// biases int32 with scale inputScale * weightScale. Layers other than <see cref="Dense"/> and <see cref="Conv2D"/> are
/// kept as they are (shared with the source model), in float32. The quantised model runs through ordinary ops, so it
/// traces, runs in a Session and exports to ONNX (as QDQ for static models).
/// </summary>
public static class Quantization
{
    /// <summary>
    /// Dynamic quantisation: <see cref="Dense"/> weights to int8 now; each call quantises the layer's input to uint8
    /// over its own range (DynamicQuantizeLinear), multiplies in int32 (MatMulInteger) and scales back to float32.
    /// No calibration data is needed; good for MLPs and transformer blocks whose cost is in the matrix products.
    /// </summary>
    /// <param name="model">A built model.</param>
    /// <param name="reduceRange">Quantise weights to 7 bits ([-63, 63]) instead of 8 (the default, [-127, 127]). Both are
    /// exact here. On CPUs with VNNI the speed is the same; without it 7-bit weights run the <c>vpmaddubsw</c> kernel
    /// and 8-bit weights an int16 <c>vpmaddwd</c> kernel at about 75% of that speed (ONNX Runtime recommends
    /// reduce_range on such CPUs because its <c>vpmaddubsw</c> kernel saturates with 8-bit weights; Eager's does not
    /// run on them). Choose 7 bits for speed without VNNI, at a small cost in accuracy.</param>
    /// <exception cref="InvalidOperationException">The model is not built.</exception>
    public static Sequential QuantizeDynamic(Sequential model, bool reduceRange = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        RequireBuilt(model, "QuantizeDynamic");
        var layers = model.Layers.Select(l => l is Dense { Kernel: not null } d ? new DynamicQuantizedDense(d, reduceRange) : l).ToList();
        return new Sequential(layers, model.Name + "_dynamic_int8");
    }

    /// <summary>
    /// Static quantisation: runs the float model on <paramref name="calibrationData"/> (batches), records the range of
    /// each <see cref="Dense"/> and <see cref="Conv2D"/> layer's input and output with the chosen observer, and replaces
    /// those layers by QLinearMatMul/QLinearConv layers with fixed uint8 activation parameters, int8 per-channel weights
    /// and int32 bias. A ReLU activation is fused: its output range starts at 0, so the uint8 zero point is 0 and
    /// saturation does the ReLU. Other activations run in float32 after the layer.
    /// </summary>
    /// <param name="model">A built model.</param>
    /// <param name="calibrationData">Representative input batches (a few hundred samples are usually enough).</param>
    /// <param name="options">Observer and weight range; defaults: min-max, 8-bit weights.</param>
    /// <exception cref="ArgumentException">No calibration batch was given.</exception>
    /// <exception cref="InvalidOperationException">The model is not built.</exception>
    public static Sequential QuantizeStatic(Sequential model, IEnumerable<Tensor> calibrationData, QuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibrationData);
        RequireBuilt(model, "QuantizeStatic");
        options ??= new QuantizationOptions();
        var layers = model.Layers.ToList();
        var inputs = new RangeObserver?[layers.Count];
        var outputs = new RangeObserver?[layers.Count];
        for (int i = 0; i < layers.Count; i++)
            if (StaticQuantizedLayer.CanQuantize(layers[i]))
            {
                inputs[i] = RangeObserver.Create(options);
                outputs[i] = RangeObserver.Create(options);
            }
        int batches = 0;
        foreach (var batch in calibrationData)
        {
            batches++;
            var x = batch;
            for (int i = 0; i < layers.Count; i++)
            {
                if (inputs[i] is { } obsIn)
                {
                    obsIn.Observe(x);
                    var (z, activated) = StaticQuantizedLayer.Calibrate((ContractionLayer)layers[i], x);
                    outputs[i]!.Observe(z);
                    x = activated;
                }
                else x = layers[i].Call(x);
            }
        }
        if (batches == 0) throw new ArgumentException("QuantizeStatic: calibrationData has no batches; give a few representative inputs.", nameof(calibrationData));
        // A quantised layer whose output reaches the next quantised layer only through layers that pass uint8 values
        // (pooling, reshaping) hands it on as uint8, and that layer takes its input quantisation from it.
        var inRange = inputs.Select(o => o?.Range()).ToArray();
        var keep = new bool[layers.Count];
        int open = -1;
        for (int i = 0; i < layers.Count; i++)
        {
            if (inputs[i] is not null)
            {
                if (open >= 0) { keep[open] = true; inRange[i] = outputs[open]!.Range(); }
                open = StaticQuantizedLayer.EndsQuantized((ContractionLayer)layers[i]) ? i : -1;
            }
            else if (!StaticQuantizedLayer.PassesQuantized(layers[i])) open = -1;
        }
        var result = new List<Layer>(layers.Count);
        for (int i = 0; i < layers.Count; i++)
            result.Add(inputs[i] is not null
                ? new StaticQuantizedLayer((ContractionLayer)layers[i], inRange[i]!.Value, outputs[i]!.Range(), options.ReduceRange, keep[i])
                : layers[i]);
        return new Sequential(result, model.Name + "_static_int8");
    }

    private static void RequireBuilt(Sequential model, string what)
    {
        if (!model.Built)
            throw new InvalidOperationException($"Quantization.{what}: model '{model.Name}' is not built; call it once or Build(inputShape) first.");
    }

    /// <summary>Per-output-channel symmetric int8 weights along the last axis: (values, scales, zero points).</summary>
    internal static (Tensor Q, Tensor Scale, Tensor Zero) QuantizeWeights(Tensor kernel, bool reduceRange)
    {
        var w = kernel.DType == DType.Float32 ? kernel : Ops.Cast(kernel, DType.Float32);
        int outputs = w.Shape[-1];
        var values = w.ToArray<float>();
        var scales = new float[outputs];
        float qmax = reduceRange ? 63f : 127f;
        for (int i = 0; i < values.Length; i++)
            scales[i % outputs] = Math.Max(scales[i % outputs], Math.Abs(values[i]));
        for (int j = 0; j < outputs; j++) scales[j] = scales[j] > 0 ? scales[j] / qmax : 1f;
        var scale = Tensor.From(scales);
        var zero = Tensor.From(new sbyte[outputs]);
        return (Ops.QuantizeLinear(w, scale, zero, axis: w.Rank - 1), scale, zero);
    }
}

/// <summary>Options of <see cref="Quantization.QuantizeStatic"/>.</summary>
public sealed record QuantizationOptions
{
    /// <summary>How activation ranges are taken from the calibration data.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the percentile of the values kept inside the range
    /// (the range is [100 - p, p] percentiles); outliers beyond it saturate.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>7-bit weights instead of 8 (default false; see <see cref="Quantization.QuantizeDynamic"/>'s reduceRange:
    /// faster on CPUs without VNNI, slightly coarser).</summary>
    public bool ReduceRange { get; init; }
}

/// <summary>How a calibration observer turns the values it saw into a range.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest values seen.</summary>
    MinMax,

    /// <summary>The [100 - p, p] percentiles of the values seen (robust to outliers).</summary>
    Percentile,
}
