using System.IO.Compression;
using Eager.NN;
using Eager.NN.Datasets;

namespace Eager.Tests.NN;

public class DataFileTests
{
    private string dir = "";

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(dir = Path.Combine(Path.GetTempPath(), "eager-data-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(dir, recursive: true);

    private static byte[] IdxBytes(byte type, int[] dims, byte[] data)
    {
        var b = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (var d in dims) b.AddRange(new[] { (byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d });
        b.AddRange(data);
        return [.. b];
    }

    [Test]
    public void IdxReadsUnsignedBytesPlainAndGzipped()
    {
        var bytes = IdxBytes(0x08, [2, 3], [0, 1, 2, 253, 254, 255]);
        var plain = Path.Combine(dir, "a-idx2-ubyte");
        File.WriteAllBytes(plain, bytes);
        var gz = plain + ".gz";
        using (var f = File.Create(gz))
        using (var z = new GZipStream(f, CompressionLevel.Fastest)) z.Write(bytes);
        foreach (var p in new[] { plain, gz })
        {
            var t = Idx.Read(p);
            Assert.That(t.Shape, Is.EqualTo(new Shape(2, 3)));
            Assert.That(t.DType, Is.EqualTo(DType.Int32));
            Assert.That(t.ToArray<int>(), Is.EqualTo(new[] { 0, 1, 2, 253, 254, 255 }));
            Assert.That(Idx.ReadImagesAsFloat(p).ToArray<float>()[5], Is.EqualTo(1f));
        }
    }

    [Test]
    public void IdxReadsBigEndianWiderTypes()
    {
        var p = Path.Combine(dir, "b");
        File.WriteAllBytes(p, IdxBytes(0x0C, [2], [0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFE]));
        Assert.That(Idx.Read(p).ToArray<int>(), Is.EqualTo(new[] { 256, -2 }));
        File.WriteAllBytes(p, IdxBytes(0x0D, [1], [0x3F, 0xC0, 0, 0]));
        Assert.That(Idx.Read(p).ToArray<float>(), Is.EqualTo(new[] { 1.5f }));
        File.WriteAllBytes(p, IdxBytes(0x0B, [1], [0xFF, 0x9C]));
        Assert.That(Idx.Read(p).ToArray<int>(), Is.EqualTo(new[] { -100 }));
    }

    [Test]
    public void IdxWriteRoundTrips()
    {
        var p = Path.Combine(dir, "c");
        var t = Tensor.From(new[] { 3, 1, 4, 1, 5, 9 }, new Shape(3, 2));
        Idx.Write(p, t);
        Assert.That(Idx.Read(p).ToArray<int>(), Is.EqualTo(t.ToArray<int>()));
        Idx.Write(p, Tensor.From(new[] { 0.25f, -1f }));
        Assert.That(Idx.Read(p).ToArray<float>(), Is.EqualTo(new[] { 0.25f, -1f }));
        Assert.Throws<ArgumentException>(() => Idx.Write(p, Tensor.From(new[] { 300 })));
    }

    [Test]
    public void IdxRejectsBadFiles()
    {
        var p = Path.Combine(dir, "d");
        File.WriteAllBytes(p, [1, 2, 8, 1]);
        Assert.That(Assert.Throws<InvalidDataException>(() => Idx.Read(p))!.Message, Does.Contain("not an IDX"));
        File.WriteAllBytes(p, IdxBytes(0x07, [1], [0]));
        Assert.That(Assert.Throws<InvalidDataException>(() => Idx.Read(p))!.Message, Does.Contain("type 0x07"));
        File.WriteAllBytes(p, IdxBytes(0x08, [10], [1, 2, 3]));
        Assert.That(Assert.Throws<InvalidDataException>(() => Idx.Read(p))!.Message, Does.Contain("truncated"));
        File.WriteAllBytes(p, IdxBytes(0x08, [int.MaxValue, int.MaxValue], []));
        Assert.Throws<InvalidDataException>(() => Idx.Read(p));
        File.WriteAllBytes(p, IdxBytes(0x0C, [1], [0, 0, 0, 1]));
        Assert.Throws<InvalidDataException>(() => Idx.ReadImagesAsFloat(p), "images must be unsigned bytes");
    }

    [Test]
    public void MnistFolderLoadsFourFiles()
    {
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), IdxBytes(0x08, [2, 28, 28], new byte[2 * 784]));
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), IdxBytes(0x08, [2], [3, 7]));
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), IdxBytes(0x08, [1, 28, 28], new byte[784]));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), IdxBytes(0x08, [1], [9]));
        var d = Mnist.LoadIdxFolder(dir);
        Assert.That(d.TrainImages.Shape, Is.EqualTo(new Shape(2, 28, 28)));
        Assert.That(d.TrainLabels.ToArray<int>(), Is.EqualTo(new[] { 3, 7 }));
        Assert.That(d.TestLabels.ToArray<int>(), Is.EqualTo(new[] { 9 }));
        File.Delete(Path.Combine(dir, "t10k-labels-idx1-ubyte"));
        Assert.That(Assert.Throws<FileNotFoundException>(() => Mnist.LoadIdxFolder(dir))!.Message, Does.Contain("setup.sh"));
    }

    [Test]
    public void NpmDigitsAreSplitPerClass()
    {
        var digits = Path.Combine(dir, "src", "digits");
        Directory.CreateDirectory(digits);
        for (int d = 0; d < 10; d++)
        {
            var values = Enumerable.Range(0, 784 * 10).Select(i => i % 784 == 0 ? d / 10.0 : 0.0);
            File.WriteAllText(Path.Combine(digits, $"{d}.json"), "{\"data\": [" + string.Join(",", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]}");
        }
        var data = Mnist.LoadNpmDigits(dir, testFraction: 0.2, seed: 3);
        Assert.That(data.TrainImages.Shape, Is.EqualTo(new Shape(80, 28, 28)));
        Assert.That(data.TestImages.Shape, Is.EqualTo(new Shape(20, 28, 28)));
        var testLabels = data.TestLabels.ToArray<int>();
        Assert.That(Enumerable.Range(0, 10).All(d => testLabels.Count(l => l == d) == 2), Is.True, "stratified");
        var pixels = data.TestImages.ToArray<float>();
        for (int i = 0; i < testLabels.Length; i++) Assert.That(pixels[i * 784], Is.EqualTo(testLabels[i] / 10f).Within(1e-6), "images stay with their labels");
        File.WriteAllText(Path.Combine(digits, "3.json"), "{\"data\": [1, 2]}");
        Assert.Throws<InvalidDataException>(() => Mnist.LoadNpmDigits(dir));
    }

    [Test]
    public void SafeTensorsRoundTripAndLoadIntoAModel()
    {
        var m = new Sequential(new Dense(3), new Dense(2, name: "out"));
        m.Build(new Shape(-1, 4));
        var p = Path.Combine(dir, "w.safetensors");
        SafeTensors.Write(p, m.NamedVariables().Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.Value)), new Dictionary<string, string> { ["format"] = "pt" });
        Assert.That(SafeTensors.List(p).Select(e => e.Name), Is.EqualTo(new[] { "dense/kernel", "dense/bias", "out/kernel", "out/bias" }));
        var m2 = new Sequential(new Dense(3), new Dense(2, name: "out"));
        m2.Build(new Shape(-1, 4));
        var status = SafeTensors.LoadInto(m2, p);
        Assert.That(status.Restored, Has.Count.EqualTo(4));
        Assert.That(m2.Variables.Select(v => v.Value.ToArray<float>()), Is.EqualTo(m.Variables.Select(v => v.Value.ToArray<float>())));

        var renamed = new Sequential(new Dense(3), new Dense(2, name: "head"));
        renamed.Build(new Shape(-1, 4));
        var before = renamed.Variables[0].Value.ToArray<float>();
        Assert.Throws<InvalidOperationException>(() => SafeTensors.LoadInto(renamed, p), "missing names");
        Assert.That(renamed.Variables[0].Value.ToArray<float>(), Is.EqualTo(before), "nothing changes when a name is missing");
        SafeTensors.LoadInto(renamed, p, name => name.Replace("head/", "out/", StringComparison.Ordinal));
        Assert.That(renamed.Variables[2].Value.ToArray<float>(), Is.EqualTo(m.Variables[2].Value.ToArray<float>()));
    }

    [Test]
    public void SafeTensorsReadsHalfPrecisionAndByteTypes()
    {
        // Hand-made file: F16 [1.5, -2], BF16 [1.0], U8 [7, 255].
        var header = "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]},\"c\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[6,8]}}";
        var hb = System.Text.Encoding.UTF8.GetBytes(header);
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes((Half)1.5f));
        data.AddRange(BitConverter.GetBytes((Half)(-2f)));
        data.AddRange(BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(1f) >> 16)));
        data.AddRange(new byte[] { 7, 255 });
        var p = Path.Combine(dir, "h.safetensors");
        File.WriteAllBytes(p, [.. BitConverter.GetBytes((ulong)hb.Length), .. hb, .. data]);
        var t = SafeTensors.Read(p);
        Assert.That(t["a"].ToArray<Half>(), Is.EqualTo(new[] { (Half)1.5f, (Half)(-2f) }));
        Assert.That(t["b"].ToArray<BFloat16>(), Is.EqualTo(new[] { BFloat16.One }));
        Assert.That(t["c"].ToArray<byte>(), Is.EqualTo(new byte[] { 7, 255 }));
        var back = Path.Combine(dir, "h2.safetensors");
        SafeTensors.Write(back, t);
        var again = SafeTensors.Read(back);
        foreach (var k in t.Keys)
        {
            Assert.That(again[k].DType, Is.EqualTo(t[k].DType), k);
            Assert.That(again[k].ToDoubleArray(), Is.EqualTo(t[k].ToDoubleArray()), k);
        }
    }

    [Test]
    public void SafeTensorsRejectsBadHeadersAndTruncation()
    {
        var p = Path.Combine(dir, "bad.safetensors");
        File.WriteAllBytes(p, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Read(p));
        File.WriteAllBytes(p, [.. BitConverter.GetBytes(1UL << 40), 0x7B, 0x7D]);
        Assert.That(Assert.Throws<InvalidDataException>(() => SafeTensors.Read(p))!.Message, Does.Contain("header length"));
        var good = Path.Combine(dir, "g.safetensors");
        SafeTensors.Write(good, [new("x", Tensor.From(new[] { 1f, 2f, 3f }))]);
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(p, bytes[..^4]);
        Assert.That(Assert.Throws<InvalidDataException>(() => SafeTensors.Read(p))!.Message, Does.Contain("outside"));
        var json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[5],\"data_offsets\":[0,4]}}";
        var jb = System.Text.Encoding.UTF8.GetBytes(json);
        File.WriteAllBytes(p, [.. BitConverter.GetBytes((ulong)jb.Length), .. jb, 0, 0, 0, 0]);
        Assert.That(Assert.Throws<InvalidDataException>(() => SafeTensors.Read(p))!.Message, Does.Contain("needs 20 bytes"));
        var notJson = "{\"x\": nope}"u8.ToArray();
        File.WriteAllBytes(p, [.. BitConverter.GetBytes((ulong)notJson.Length), .. notJson]);
        Assert.That(Assert.Throws<InvalidDataException>(() => SafeTensors.Read(p))!.Message, Does.Contain("malformed"));
    }
}
