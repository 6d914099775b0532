using System.Numerics;
using Eager.Kernels.Conv;
using static Eager.Ops;
using static Eager.ConvolutionOps;

namespace Eager;

/// <summary>Shape inference and kernel dispatch shared by the standard and depthwise convolutions and their
/// backward passes. A standard filter is HWIO [kh, kw, in, out]; a depthwise filter is [kh, kw, in, multiplier]
/// and produces in * multiplier channels.</summary>
internal static partial class ConvolutionOps
{
    private enum ConvPass { Forward, BackpropInput, BackpropFilter }

    // The public ops of one kind of convolution (standard or depthwise), which the gradient rules call.
    private delegate Tensor ConvCall(Tensor input, Tensor filter, Size2? strides, string padding, Size2? dilations);
    private delegate Tensor ConvInputCall(Shape inputShape, Tensor filter, Tensor outputGradient, Size2? strides, string padding, Size2? dilations);
    private delegate Tensor ConvFilterCall(Tensor input, Shape filterShape, Tensor outputGradient, Size2? strides, string padding, Size2? dilations);

    /// <summary>The forward op of one kind of convolution. Its two backward passes are ops of their own whose
    /// gradients call this one and each other, so second derivatives work.</summary>
    private static OpDef ConvForwardOp(string name, bool depthwise, ConvInputCall backpropInput, ConvFilterCall backpropFilter, Func<OpDef>? fusedForm) =>
        new(name,
            (x, a) => ConvForwardInfer(name, depthwise, x, a),
            (x, a) => [ConvRun(name, depthwise, ConvPass.Forward, x[0], x[1], x[0].Shape, x[1].Shape, ConvForwardInfer(name, depthwise, x, a)[0].Shape, a)])
        {
            Gradient = c =>
            [
                c.Needs(0) ? backpropInput(GradInputShape(name, c.X(0)), c.X(1), c.Grad, Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
                c.Needs(1) ? backpropFilter(c.X(0), c.X(1).Shape, c.Grad, Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
            ],
            FusedForm = fusedForm,
            Onnx = e => OnnxConv(e, depthwise),
        };

    /// <summary>The gradient with respect to the input as an op; inputs (filter, outGrad), linear in each.</summary>
    private static OpDef ConvBackpropInputOp(string name, bool depthwise, ConvCall forward, ConvFilterCall backpropFilter, OnnxExportFn? onnx) =>
        new(name,
            (x, a) => ConvBackpropInputInfer(name, depthwise, x, a),
            (x, a) =>
            {
                var input = ConvBackpropInputInfer(name, depthwise, x, a)[0].Shape;
                return [ConvRun(name, depthwise, ConvPass.BackpropInput, x[0], x[1], input, x[0].Shape, input, a)];
            })
        {
            Gradient = c =>
            [
                c.Needs(0) ? backpropFilter(c.Grad, c.X(0).Shape, c.X(1), Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
                c.Needs(1) ? forward(c.Grad, c.X(0), Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
            ],
            Onnx = onnx,
        };

    /// <summary>The gradient with respect to the filter as an op; inputs (input, outGrad), linear in each.</summary>
    private static OpDef ConvBackpropFilterOp(string name, bool depthwise, ConvCall forward, ConvInputCall backpropInput) =>
        new(name,
            (x, a) => ConvBackpropFilterInfer(name, depthwise, x, a),
            (x, a) =>
            {
                var filter = Shape.Wrap(a.Ints("filterShape"));
                return [ConvRun(name, depthwise, ConvPass.BackpropFilter, x[0], x[1], x[0].Shape, filter, filter, a)];
            })
        {
            Gradient = c =>
            [
                c.Needs(0) ? backpropInput(GradInputShape(name, c.X(0)), c.Grad, c.X(1), Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
                c.Needs(1) ? forward(c.X(0), c.Grad, Window.Strides(c.Attrs), c.Attrs.String("padding"), Window.Dilations(c.Attrs)) : null,
            ],
        };

    private static string FilterLayout(bool depthwise) => depthwise ? "[height, width, in, multiplier]" : "HWIO: height, width, in, out";

    private static int ConvOutChannels(bool depthwise, Shape filter) =>
        !depthwise ? filter[3] : filter[2] < 0 || filter[3] < 0 ? -1 : filter[2] * filter[3];

    private static void ConvOperands(string op, Tensor a, string roleA, string layoutA, Tensor b, string roleB, string layoutB)
    {
        Window.Floating(op, a, roleA);
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: the {roleA} is {a.DType.Name()}{a.Shape} but the {roleB} is {b.DType.Name()}{b.Shape}; dtypes must match.");
        Window.Rank4(op, "the " + roleA, a, layoutA);
        Window.Rank4(op, "the " + roleB, b, layoutB);
    }

    private static void CheckFilter(string op, bool depthwise, Shape filter)
    {
        if (filter[0] == 0 || filter[1] == 0)
            throw new ArgumentException($"{op}: the filter {filter} ({FilterLayout(depthwise)}) has an empty window; height and width must be at least 1.");
    }

    private static void CheckChannels(string op, bool depthwise, Shape input, Shape filter)
    {
        if (Window.Differ(input[3], filter[2]))
            throw new ArgumentException($"{op}: the input has {input[3]} channels but the filter expects {filter[2]} input channels " +
                                        $"(input {input}, NHWC; filter {filter}, {FilterLayout(depthwise)}).");
    }

    private static TensorSpec[] ConvForwardInfer(string op, bool depthwise, Tensor[] x, Attrs a)
    {
        var (input, filter) = (x[0], x[1]);
        ConvOperands(op, input, "input", "NHWC", filter, "filter", FilterLayout(depthwise));
        CheckFilter(op, depthwise, filter.Shape);
        CheckChannels(op, depthwise, input.Shape, filter.Shape);
        var (h, w) = Window.OutputSize(op, "kernel", input.Shape, filter.Shape[0], filter.Shape[1], a);
        return [new TensorSpec(Shape.Wrap([input.Shape[0], h, w, ConvOutChannels(depthwise, filter.Shape)]), input.DType)];
    }

    /// <summary>Checks that convolving an input of <paramref name="input"/> with the filter gives an output shaped like <paramref name="grad"/>.</summary>
    private static void CheckOutputGrad(string op, bool depthwise, Shape input, Shape filter, Shape grad, Attrs a)
    {
        int oc = ConvOutChannels(depthwise, filter);
        if (Window.Differ(grad[3], oc))
            throw new ArgumentException($"{op}: the output gradient {grad} has {grad[3]} channels but the filter {filter} ({FilterLayout(depthwise)}) produces {oc}.");
        var (h, w) = Window.OutputSize(op, "kernel", input, filter[0], filter[1], a);
        if (Window.Differ(h, grad[1]) || Window.Differ(w, grad[2]) || Window.Differ(input[0], grad[0]))
            throw new ArgumentException($"{op}: a convolution of an input {input} with a filter {filter} (strides {Window.Strides(a)}, padding {a.String("padding")}, " +
                                        $"dilations {Window.Dilations(a)}) gives an output of ({Dim(input[0])}, {Dim(h)}, {Dim(w)}, {Dim(oc)}), but the output gradient has shape {grad}.");
    }

    private static string Dim(int d) => d < 0 ? "None" : d.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static TensorSpec[] ConvBackpropInputInfer(string op, bool depthwise, Tensor[] x, Attrs a)
    {
        var (filter, grad) = (x[0], x[1]);
        ConvOperands(op, filter, "filter", FilterLayout(depthwise), grad, "output gradient", "NHWC");
        var given = a.Ints("inputShape");
        var input = Shape.Wrap([given[0] >= 0 ? given[0] : grad.Shape[0], given[1], given[2], given[3]]);
        CheckFilter(op, depthwise, filter.Shape);
        CheckChannels(op, depthwise, input, filter.Shape);
        CheckOutputGrad(op, depthwise, input, filter.Shape, grad.Shape, a);
        return [new TensorSpec(input, filter.DType)];
    }

    private static TensorSpec[] ConvBackpropFilterInfer(string op, bool depthwise, Tensor[] x, Attrs a)
    {
        var (input, grad) = (x[0], x[1]);
        ConvOperands(op, input, "input", "NHWC", grad, "output gradient", "NHWC");
        var filter = Shape.Wrap(a.Ints("filterShape"));
        CheckFilter(op, depthwise, filter);
        CheckChannels(op, depthwise, input.Shape, filter);
        CheckOutputGrad(op, depthwise, input.Shape, filter, grad.Shape, a);
        return [new TensorSpec(filter, input.DType)];
    }

    /// <summary>Runs one convolution pass on concrete tensors. Operands: Forward (input, filter),
    /// BackpropInput (filter, outGrad), BackpropFilter (input, outGrad); the result has <paramref name="resultShape"/>.</summary>
    private static Tensor ConvRun(string op, bool depthwise, ConvPass pass, Tensor p, Tensor q, Shape inputShape, Shape filterShape, Shape resultShape, Attrs a)
    {
        var g = Window.Geometry(op, inputShape, filterShape[0], filterShape[1], filterShape[3], a);
        var pc = p.Contiguous(); var qc = q.Contiguous();
        var r = Tensor.Empty(resultShape, p.DType);
        // The filter (an operand that was contiguous already, so its storage may be reused by later calls) may have a packed
        // copy. Only the forward pass keeps one: a filter that stays the same over calls that also need the input gradient
        // belongs to a frozen network someone differentiates through (style transfer's VGG19), where a second packed copy of
        // every filter costs more memory (53 MiB for VGG19) than repacking saves time (a few percent of the backward pass);
        // filters that train change every step and are never kept anyway.
        bool mayKeep = !depthwise && pass == ConvPass.Forward && ReferenceEquals(qc, q);
        if (p.DType == DType.Float32)
        {
            if (!mayKeep || !PackedFilterKernel<float>(g, pc, qc, r))
                ConvKernel<float>(depthwise, pass, g, pc.Span<float>(), qc.Span<float>(), r.Span<float>());
        }
        else if (!mayKeep || !PackedFilterKernel<double>(g, pc, qc, r))
            ConvKernel<double>(depthwise, pass, g, pc.Span<double>(), qc.Span<double>(), r.Span<double>());
        pc.KeepAlive(); qc.KeepAlive();
        return r;
    }

    /// <summary>The forward pass with the filter's packed copy from <see cref="PackedCache"/>; false when the kernel path
    /// packs nothing or the cache has no copy for this call (the caller runs the plain kernel).</summary>
    private static bool PackedFilterKernel<T>(in ConvGeometry g, Tensor p, Tensor q, Tensor r)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Convolution.ForwardPacking<T>(g) is not { } pk) return false;
        var packed = PackedCache.Get<T, FilterPacking>(q, pk, pk.Length, dst => Convolution.PackFilter<T>(pk, q.Span<T>(), dst));
        if (packed.IsEmpty) return false;
        Convolution.Forward<T>(g, p.Span<T>(), q.Span<T>(), r.Span<T>(), pk, packed);
        return true;
    }

    private static void ConvKernel<T>(bool depthwise, ConvPass pass, in ConvGeometry g, ReadOnlySpan<T> p, ReadOnlySpan<T> q, Span<T> r)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (pass, depthwise)
        {
            case (ConvPass.Forward, false): Convolution.Forward(g, p, q, r); break;
            case (ConvPass.BackpropInput, false): Convolution.BackpropInput(g, p, q, r); break;
            case (ConvPass.BackpropFilter, false): Convolution.BackpropFilter(g, p, q, r); break;
            case (ConvPass.Forward, true): Depthwise.Forward(g, p, q, r); break;
            case (ConvPass.BackpropInput, true): Depthwise.BackpropInput(g, p, q, r); break;
            case (ConvPass.BackpropFilter, true): Depthwise.BackpropFilter(g, p, q, r); break;
        }
    }

    /// <summary>The inputShape attribute of a backprop-input call: H, W and C known, batch may be -1 (taken from the gradient).</summary>
    internal static int[] InputShapeAttr(string op, Shape inputShape)
    {
        if (inputShape.Rank != 4 || inputShape[1] < 0 || inputShape[2] < 0 || inputShape[3] < 0)
            throw new ArgumentException($"{op}: inputShape must be rank 4 (NHWC) with known height, width and channels (batch may be unknown), got {inputShape}.");
        return inputShape.ToArray();
    }

    /// <summary>The filterShape attribute of a backprop-filter call: rank 4, fully known.</summary>
    internal static int[] FilterShapeAttr(string op, bool depthwise, Shape filterShape)
    {
        if (filterShape.Rank != 4 || !filterShape.IsFullyDefined)
            throw new ArgumentException($"{op}: filterShape must be rank 4 ({FilterLayout(depthwise)}) and fully known, got {filterShape}.");
        return filterShape.ToArray();
    }

    internal static Attrs ConvAttrsWith(string op, Size2? strides, string padding, Size2? dilations, string key, int[] shape)
    {
        var a = Window.ConvAttrs(op, strides, padding, dilations);
        a.Add(key, shape);
        return a;
    }
}
