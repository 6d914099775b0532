using Eager;
using Eager.NN;

namespace StyleTransfer;

/// <summary>One optimisation step of a style transfer and the current image; TF2 (<see cref="Transfer"/>) or TF1 style.</summary>
internal interface IStyleTransfer
{
    /// <summary>The current image, [1, H, W, 3], 0..255.</summary>
    Tensor Image { get; }

    /// <summary>Runs one optimisation step and returns [total, content, style, tv] before it.</summary>
    double[] Step();
}

/// <summary>
/// The same style transfer written the TensorFlow 1 way (as the chapter does): a graph built once with placeholders,
/// the image a variable whose initializer is fed the starting image, the targets computed in one session run and then
/// fed back through feed_dict at every training step, Adam's Minimize as the training op. With the same options and
/// seed it gives the image <see cref="Transfer"/> gives.
/// </summary>
internal sealed class Tf1Transfer : IStyleTransfer, IDisposable
{
    private readonly Session sess;
    private readonly Variable image;
    private readonly Operation step;
    private readonly Tensor[] losses;
    private readonly FeedDict targets;

    public Tf1Transfer(IFeatureNet net, Tensor content, Tensor style, Options opt)
    {
        var layers = net.StyleLayers.Append(net.ContentLayer).Distinct().ToArray();
        var g = new Graph();
        Tensor contentPh, stylePh, initPh, contentFeatures, contentTargetPh;
        Tensor[] styleGrams, styleTargetPhs;
        Operation init;
        using (g.AsDefault())
        {
            // content_image = tf.placeholder(...); style_image = tf.placeholder(...)
            contentPh = Ops.Placeholder(DType.Float32, content.Shape, name: "content_image");
            stylePh = Ops.Placeholder(DType.Float32, style.Shape, name: "style_image");
            contentFeatures = net.Extract(contentPh, [net.ContentLayer])[net.ContentLayer];
            var sf = net.Extract(stylePh, net.StyleLayers);
            styleGrams = [.. net.StyleLayers.Select(n => Losses.Gram(sf[n]))];

            // The targets are fed at every step (feed_dict), computed once from the two images.
            contentTargetPh = Ops.Placeholder(DType.Float32, contentFeatures.Shape, name: "content_target");
            styleTargetPhs = [.. styleGrams.Select((s, i) => Ops.Placeholder(DType.Float32, s.Shape, name: $"style_target_{i}"))];

            // input_image = tf.Variable(initial): the starting image is fed to the initializer, plus seeded noise.
            initPh = Ops.Placeholder(DType.Float32, content.Shape, name: "initial_image");
            Tensor start = initPh;
            if (opt.Noise > 0) start = Ops.ClipByValue(initPh + Ops.RandomUniform(content.Shape, -1, 1, seed: opt.Seed) * opt.Noise, 0, 255);
            image = new Variable(start, name: "image");

            var f = net.Extract(image, layers);
            var contentLoss = Losses.Mse(f[net.ContentLayer], contentTargetPh) * opt.ContentWeight;
            Tensor? styleLoss = null;
            for (int i = 0; i < styleGrams.Length; i++)
            {
                var l = Losses.Mse(Losses.Gram(f[net.StyleLayers[i]]), styleTargetPhs[i]);
                styleLoss = styleLoss is null ? l : styleLoss + l;
            }
            styleLoss = styleLoss! * (opt.StyleWeight / net.StyleLayers.Count);
            var tvLoss = Losses.TotalVariation(image) * opt.TvWeight;
            var total = contentLoss + styleLoss + tvLoss;
            losses = [total, contentLoss, styleLoss, tvLoss];

            // train_op = tf.train.AdamOptimizer(lr).minimize(loss, var_list=[input_image]), then clip to pixel values.
            var train = new Adam(learningRate: (float)opt.LearningRate).Minimize(total, [image]);
            using (g.ControlDependencies(train))
                step = Ops.Group(Ops.Assign(image, Ops.ClipByValue(image, 0, 255)));
            init = Ops.GlobalVariablesInitializer();
        }

        sess = new Session(g);
        sess.Run(init, new FeedDict { { initPh, content } });
        var computed = sess.Run([contentFeatures, .. styleGrams], new FeedDict { { contentPh, content }, { stylePh, style } });
        targets = new FeedDict { { contentTargetPh, computed[0] } };
        for (int i = 0; i < styleTargetPhs.Length; i++) targets.Add(styleTargetPhs[i], computed[i + 1]);
    }

    public Tensor Image => sess.Run(image);

    public double[] Step() => [.. sess.Run(losses, [step], targets).Select(t => (double)t.Item<float>())];

    public void Dispose() => sess.Close();
}
