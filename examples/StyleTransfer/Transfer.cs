using Eager;
using Eager.NN;

namespace StyleTransfer;

/// <summary>One style-transfer problem: the image variable, the fixed targets, and a step (traced or eager).</summary>
internal sealed class Transfer : IStyleTransfer
{
    private readonly IFeatureNet net;
    private readonly Options opt;
    private readonly Variable image;
    private readonly Tensor contentTarget;
    private readonly Dictionary<string, Tensor> styleTargets;
    private readonly string[] layers;
    private readonly Adam adam;
    private readonly Function? traced;
    private readonly Function? tracedLossAndGrad;
    private Lbfgs? lbfgs;

    public Transfer(IFeatureNet net, Tensor content, Tensor style, Options opt)
    {
        this.net = net;
        this.opt = opt;
        layers = net.StyleLayers.Append(net.ContentLayer).Distinct().ToArray();
        contentTarget = net.Extract(content, [net.ContentLayer])[net.ContentLayer];
        var sf = net.Extract(style, net.StyleLayers);
        styleTargets = net.StyleLayers.ToDictionary(n => n, n => Losses.Gram(sf[n]));
        var start = opt.Noise > 0 ? Ops.ClipByValue(content + Tensor.RandomUniform(content.Shape, -1, 1, seed: opt.Seed) * opt.Noise, 0, 255) : content;
        image = new Variable(start, name: "image");
        adam = new Adam(learningRate: (float)opt.LearningRate);
        if (!opt.Eager)
        {
            traced = Function.Create(_ => AdamStep(), "style_step");
            tracedLossAndGrad = Function.Create(x => LossAndGrad(x[0]), "style_loss_and_grad");
        }
    }

    /// <summary>The current image, [1, H, W, 3], 0..255.</summary>
    public Tensor Image => image.Value;

    /// <summary>[total, content, style, tv] for a candidate image.</summary>
    private Tensor[] Losses4(Tensor x)
    {
        var f = net.Extract(x, layers);
        var content = StyleTransfer.Losses.Mse(f[net.ContentLayer], contentTarget) * opt.ContentWeight;
        Tensor? style = null;
        foreach (var name in net.StyleLayers)
        {
            var l = StyleTransfer.Losses.Mse(StyleTransfer.Losses.Gram(f[name]), styleTargets[name]);
            style = style is null ? l : style + l;
        }
        style = style! * (opt.StyleWeight / net.StyleLayers.Count);
        var tv = StyleTransfer.Losses.TotalVariation(x) * opt.TvWeight;
        return [content + style + tv, content, style, tv];
    }

    private Tensor[] AdamStep()
    {
        Tensor[] l;
        using (var tape = new GradientTape())
        {
            l = Losses4(image);
            var g = tape.Gradient(l[0], image);
            adam.ApplyGradients([g], [image]);
        }
        image.Assign(Ops.ClipByValue(image, 0, 255));
        return l;
    }

    private Tensor[] LossAndGrad(Tensor x)
    {
        using var tape = new GradientTape();
        tape.Watch(x);
        var l = Losses4(x);
        return [.. l, tape.Gradient(l[0], x)!];
    }

    /// <summary>Runs one optimisation step and returns [total, content, style, tv].</summary>
    public double[] Step()
    {
        if (opt.Optimizer == "lbfgs")
        {
            lbfgs ??= new Lbfgs(Image.ToArray<float>());
            Tensor[] last = [];
            var shape = Image.Shape;
            var x = lbfgs.Step(flat =>
            {
                var t = Tensor.From(flat, shape);
                last = tracedLossAndGrad is null ? LossAndGrad(t) : tracedLossAndGrad.InvokeAll(t);
                return (last[0].Item<float>(), last[4].ToArray<float>());
            });
            image.Assign(Ops.ClipByValue(Tensor.From(x, shape), 0, 255));
            return last.Take(4).Select(t => (double)t.Item<float>()).ToArray();
        }
        var r = traced is null ? AdamStep() : traced.InvokeAll(Tensor.Scalar(0f));
        return r.Select(t => (double)t.Item<float>()).ToArray();
    }
}
