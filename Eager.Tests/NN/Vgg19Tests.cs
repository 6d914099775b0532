using Eager.NN;
using Eager.NN.Models;

namespace Eager.Tests.NN;

public class Vgg19Tests
{
    private static readonly string[] Expected =
    [
        "block1_conv1", "block1_conv2", "block1_pool",
        "block2_conv1", "block2_conv2", "block2_pool",
        "block3_conv1", "block3_conv2", "block3_conv3", "block3_conv4", "block3_pool",
        "block4_conv1", "block4_conv2", "block4_conv3", "block4_conv4", "block4_pool",
        "block5_conv1", "block5_conv2", "block5_conv3", "block5_conv4", "block5_pool",
    ];

    [Test]
    public void LayerNamesAreKeras()
    {
        var m = new Vgg19();
        Assert.That(m.LayerNames, Is.EqualTo(Expected));
        Assert.That(new Vgg19(includeTop: true).LayerNames.Skip(21), Is.EqualTo(new[] { "flatten", "fc1", "fc2", "predictions" }));
    }

    [Test, Category("Slow")]
    public void FeaturesHaveTheStandardShapesAndParameterCount()
    {
        var m = new Vgg19(seed: 1);
        var img = Vgg19.Preprocess(Tensor.RandomUniform(new Shape(1, 32, 32, 3), 0, 255, seed: 2), ImageNetPreprocessing.Caffe);
        var f = m.Features(img, [.. Vgg19.StyleLayers, "block4_conv2"]);
        Assert.That(f["block1_conv1"].Shape, Is.EqualTo(new Shape(1, 32, 32, 64)));
        Assert.That(f["block2_conv1"].Shape, Is.EqualTo(new Shape(1, 16, 16, 128)));
        Assert.That(f["block3_conv1"].Shape, Is.EqualTo(new Shape(1, 8, 8, 256)));
        Assert.That(f["block4_conv1"].Shape, Is.EqualTo(new Shape(1, 4, 4, 512)));
        Assert.That(f["block4_conv2"].Shape, Is.EqualTo(new Shape(1, 4, 4, 512)));
        Assert.That(f["block5_conv1"].Shape, Is.EqualTo(new Shape(1, 2, 2, 512)));
        Assert.That(m.CountParams(), Is.EqualTo(20_024_384), "Keras' VGG19 without the top");
        Assert.That(m.Call(img).Shape, Is.EqualTo(new Shape(1, 1, 1, 512)));
        Assert.Throws<ArgumentException>(() => m.Features(img, "block9_conv1"));
        Assert.Throws<ArgumentException>(() => m.Call(Tensor.Zeros(new Shape(1, 32, 32, 1))));
    }

    [Test, Category("Slow")]
    public void BFloat16WeightsTakeHalfTheMemoryAndGiveTheFloat32Features()
    {
        var f32 = new Vgg19(seed: 1);
        f32.Build(new Shape(-1, 224, 224, 3));
        var bf16 = new Vgg19(seed: 1);
        bf16.Build(new Shape(-1, 224, 224, 3), DType.BFloat16);
        static long Bytes(Vgg19 m) => m.Variables.Sum(v => v.Shape.Size * (long)v.DType.Size());
        Assert.That(bf16.Variables.Select(v => v.DType).Distinct(), Is.EqualTo(new[] { DType.BFloat16 }));
        Assert.That(Bytes(bf16) * 2, Is.EqualTo(Bytes(f32)));
        // The same weights, rounded: copy the float32 ones so only the precision differs.
        foreach (var (a, b) in f32.Variables.Zip(bf16.Variables)) b.Assign(Ops.Cast(a.Value, DType.BFloat16));
        var img = Vgg19.Preprocess(Tensor.RandomUniform(new Shape(1, 32, 32, 3), 0, 255, seed: 2), ImageNetPreprocessing.Caffe);
        var layers = new[] { "block1_conv1", "block3_conv1", "block5_conv1" };
        var want = f32.Features(img, layers);
        var got = bf16.Features(Ops.Cast(img, DType.BFloat16), layers);
        foreach (var name in layers)
        {
            Assert.That(got[name].DType, Is.EqualTo(DType.BFloat16));
            var w = want[name].ToArray<float>();
            var g = Ops.Cast(got[name], DType.Float32).ToArray<float>();
            double err = Math.Sqrt(w.Zip(g).Sum(p => (double)(p.First - p.Second) * (p.First - p.Second)));
            double norm = Math.Sqrt(w.Sum(x => (double)x * x));
            // bfloat16 keeps 8 bits of mantissa (relative rounding 2^-9 per op); 16 layers stay within a few percent.
            Assert.That(err / norm, Is.LessThan(0.03), $"{name}: relative L2 error of the bfloat16 features");
            TestContext.Out.WriteLine($"{name}: relative L2 error {err / norm:E2}");
        }
    }

    [Test]
    public void PreprocessingMatchesKerasAndTorchvisionAndInverts()
    {
        var rgb = Tensor.From(new float[,,,] { { { { 10, 20, 30 }, { 255, 0, 128 } } } });
        var caffe = Vgg19.Preprocess(rgb, ImageNetPreprocessing.Caffe).ToArray<float>();
        Assert.That(caffe[..3], Is.EqualTo(new[] { 30 - 103.939f, 20 - 116.779f, 10 - 123.68f }).Within(1e-4));
        var torch = Vgg19.Preprocess(rgb, ImageNetPreprocessing.Torch).ToArray<float>();
        Assert.That(torch[3..], Is.EqualTo(new[] { (1 - 0.485f) / 0.229f, (0 - 0.456f) / 0.224f, (128 / 255f - 0.406f) / 0.225f }).Within(1e-5));
        foreach (var mode in new[] { ImageNetPreprocessing.Caffe, ImageNetPreprocessing.Torch })
            Assert.That(Vgg19.Deprocess(Vgg19.Preprocess(rgb, mode), mode).ToArray<float>(), Is.EqualTo(rgb.ToArray<float>()).Within(1e-3));
    }

    [Test, Category("Slow")]
    public void LoadsTorchvisionAndKerasSafetensors()
    {
        var dir = Path.Combine(Path.GetTempPath(), "eager-vgg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var source = new Vgg19(seed: 4);
            source.Build(new Shape(-1, 32, 32, 3));
            var img = Tensor.RandomNormal(new Shape(1, 32, 32, 3), seed: 5);
            var want = source.Features(img, "block2_conv2", "block5_conv4");

            // torchvision: features.N.weight in OIHW.
            int[] torchIndex = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34];
            var convs = source.Layers.OfType<Conv2D>().ToList();
            var torch = new List<KeyValuePair<string, Tensor>>();
            for (int i = 0; i < convs.Count; i++)
            {
                torch.Add(new($"features.{torchIndex[i]}.weight", Ops.Transpose(convs[i].Kernel!.Value, [3, 2, 0, 1])));
                torch.Add(new($"features.{torchIndex[i]}.bias", convs[i].Bias!.Value));
            }
            var torchPath = Path.Combine(dir, "vgg19-torch.safetensors");
            SafeTensors.Write(torchPath, torch);
            var fromTorch = Vgg19.FromSafeTensors(torchPath);
            Assert.That(fromTorch.Preprocessing, Is.EqualTo(ImageNetPreprocessing.Torch));
            var got = fromTorch.Features(img, "block2_conv2", "block5_conv4");
            foreach (var k in want.Keys) Assert.That(got[k].ToArray<float>(), Is.EqualTo(want[k].ToArray<float>()).Within(1e-4), k);

            // Keras names with a model prefix and TensorFlow's ":0" suffix.
            var keras = source.NamedVariables().Select(kv => new KeyValuePair<string, Tensor>("vgg19/" + kv.Key + ":0", kv.Value.Value));
            var kerasPath = Path.Combine(dir, "vgg19-keras.safetensors");
            SafeTensors.Write(kerasPath, keras);
            var fromKeras = new Vgg19();
            fromKeras.LoadWeights(kerasPath);
            Assert.That(fromKeras.Preprocessing, Is.EqualTo(ImageNetPreprocessing.Caffe));
            Assert.That(fromKeras.Features(img, "block5_conv4")["block5_conv4"].ToArray<float>(), Is.EqualTo(want["block5_conv4"].ToArray<float>()).Within(1e-4));

            // A file without the convolutions is refused and changes nothing.
            var partial = Path.Combine(dir, "partial.safetensors");
            SafeTensors.Write(partial, torch.Take(4));
            var target = new Vgg19(seed: 9);
            target.Build(new Shape(-1, 32, 32, 3));
            var before = target.Variables[0].Value.ToArray<float>();
            Assert.Throws<InvalidOperationException>(() => target.LoadWeights(partial));
            Assert.That(target.Variables[0].Value.ToArray<float>(), Is.EqualTo(before));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
