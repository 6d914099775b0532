using System.Buffers.Binary;
using System.IO.Compression;
using Eager.NN;
using static Eager.Tests.NN.TensorBoard.EventFileReader;

namespace Eager.Tests.NN.TensorBoard;

public class EventFileTests
{
    private string dir = "";

    [SetUp]
    public void MakeDir() => dir = Directory.CreateTempSubdirectory("eager-tb").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(dir, true);

    [Test]
    public void Crc32CMatchesThePublishedCheckValues()
    {
        // RFC 3720 appendix B.4 (the vectors TensorFlow's crc32c_test.cc uses) and the standard "123456789" check.
        var ascending = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var cases = new (byte[] Data, uint Crc)[]
        {
            (new byte[32], 0x8A9136AA),
            (Enumerable.Repeat((byte)0xFF, 32).ToArray(), 0x62A8AB43),
            (ascending, 0x46DD794E),
            (ascending.Reverse().ToArray(), 0x113FDB5C),
            ("123456789"u8.ToArray(), 0xE3069283),
        };
        foreach (var (data, crc) in cases)
        {
            Assert.That(Crc32C(data), Is.EqualTo(crc), "the test's own bitwise CRC");
            Assert.That(EventRecords.Crc32C(data), Is.EqualTo(crc), "the writer's CRC");
        }
        for (int n = 0; n < 40; n++)
        {
            var d = ascending.Concat(ascending).Take(n).ToArray();
            Assert.That(EventRecords.Crc32C(d), Is.EqualTo(Crc32C(d)), $"length {n} (vector and tail paths)");
        }
    }

    [Test]
    public void TheFirstRecordIsTheFileVersionWithTensorFlowsHeaderBytes()
    {
        double before = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        string path;
        using (var w = new SummaryWriter(dir)) path = w.FilePath;
        double after = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        var name = Path.GetFileName(path);
        Assert.That(name, Does.Match($@"^events\.out\.tfevents\.\d{{10}}\.{System.Text.RegularExpressions.Regex.Escape(Environment.MachineName)}\.{Environment.ProcessId}$"));
        long seconds = long.Parse(name.Split('.')[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(seconds, Is.InRange((long)before - 1, (long)after + 1));
        // Every TensorFlow event file starts with these 12 bytes: the 24-byte first event's length and its masked CRC.
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes[..12], Is.EqualTo(new byte[] { 0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22 }));
        var first = Fields(Records(path).Single());
        Assert.That(first.One(3).AsString, Is.EqualTo("brain.Event:2"));
        Assert.That(first.One(1).AsDouble, Is.InRange(before, after), "wall_time is Unix seconds");
    }

    [Test]
    public void ScalarsKeepTheirStepsAndValuesAndAreVisibleAfterFlush()
    {
        using var w = new SummaryWriter(dir);
        w.AddScalar("loss", 0.25, 3);
        w.AddScalar("train/accuracy", 0.875, 4);
        w.Flush();
        var s = Summaries(w.FilePath);
        Assert.That(s.Select(x => (x.Step, x.Tag, x.Value.One(2).AsFloat)), Is.EqualTo(new[] { (3L, "loss", 0.25f), (4L, "train/accuracy", 0.875f) }));
        w.AddScalar("loss", 0.125, 5);
        w.Flush();
        Assert.That(Summaries(w.FilePath), Has.Count.EqualTo(3), "the same file grows while the writer is open");
        Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void HistogramsCountEveryValueIntoEqualBuckets()
    {
        using (var w = new SummaryWriter(dir))
        {
            w.AddHistogram("w", Tensor.From(Enumerable.Range(0, 100).Select(i => (float)i).ToArray()), 7, bins: 10);
            w.AddHistogram("const", new double[] { 2, 2, 2, double.NaN }, 8);
        }
        var s = Summaries(Directory.GetFiles(dir).Single());
        var h = s[0].Value.One(5).AsMessage;
        Assert.That(s[0].Step, Is.EqualTo(7));
        Assert.That((h.One(1).AsDouble, h.One(2).AsDouble, h.One(3).AsDouble, h.One(4).AsDouble, h.One(5).AsDouble),
            Is.EqualTo((0.0, 99.0, 100.0, 4950.0, Enumerable.Range(0, 100).Sum(i => (double)i * i))));
        var limits = PackedDoubles(h.One(6).Bytes!);
        Assert.That(limits, Has.Length.EqualTo(10));
        Assert.That(limits[^1], Is.EqualTo(99));
        Assert.That(PackedDoubles(h.One(7).Bytes!), Is.EqualTo(Enumerable.Repeat(10.0, 10)));
        var c = s[1].Value.One(5).AsMessage;
        Assert.That((c.One(3).AsDouble, PackedDoubles(c.One(7).Bytes!).Single()), Is.EqualTo((3.0, 3.0)), "NaN is left out; equal values make one bucket");
    }

    [Test]
    public void ImagesArePngsWithTheirPixels()
    {
        var pixels = new float[2 * 3 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = i / 17f;
        using (var w = new SummaryWriter(dir)) w.AddImage("img", Tensor.From(pixels, new Shape(2, 3, 3)), 1);
        var img = Summaries(Directory.GetFiles(dir).Single())[0].Value.One(4).AsMessage;
        Assert.That((img.One(1).Bits, img.One(2).Bits, img.One(3).Bits), Is.EqualTo((2UL, 3UL, 3UL)));
        var png = img.One(4).Bytes!;
        Assert.That(png[..8], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }));
        // Walk the chunks, checking each CRC-32 with a bitwise reference, and inflate the image data.
        var idat = new MemoryStream();
        for (int at = 8; at < png.Length;)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            var typeAndData = png.AsSpan(at + 4, 4 + len);
            Assert.That(BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + len)), Is.EqualTo(Crc32(typeAndData)));
            if (typeAndData[..4].SequenceEqual("IDAT"u8)) idat.Write(typeAndData[4..]);
            at += 12 + len;
        }
        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        var raw = new MemoryStream();
        z.CopyTo(raw);
        var rows = raw.ToArray();
        Assert.That(rows, Has.Length.EqualTo(2 * (1 + 9)));
        var expected = pixels.Select(p => (byte)Math.Round(p * 255)).ToArray();
        Assert.That(rows[1..10].Concat(rows[11..20]), Is.EqualTo(expected));
        using var other = new SummaryWriter(dir);
        Assert.Throws<ArgumentException>(() => other.AddImage("bad", Tensor.Zeros(new Shape(2, 2, 2)), 0));
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    [Test]
    public void TextIsAStringTensorForTheTextPlugin()
    {
        using (var w = new SummaryWriter(dir)) w.AddText("notes", "**hello** ünïcode", 2);
        var v = Summaries(Directory.GetFiles(dir).Single())[0].Value;
        Assert.That(v.One(9).AsMessage.One(1).AsMessage.One(1).AsString, Is.EqualTo("text"));
        var tensor = v.One(8).AsMessage;
        Assert.That(tensor.One(1).Bits, Is.EqualTo(7UL), "DT_STRING");
        Assert.That(tensor.One(8).AsString, Is.EqualTo("**hello** ünïcode"));
    }

    [Test]
    public void GraphsOfTracedFunctionsAreGraphDefs()
    {
        var f = Function.Create((Tensor a, Tensor b) => Ops.Relu(Ops.MatMul(a, b) + 1f), "tiny");
        var cf = f.GetConcreteFunction(new TensorSpec(new Shape(-1, 3), DType.Float32), new TensorSpec(new Shape(3, 2), DType.Float32));
        using (var w = new SummaryWriter(dir)) w.AddGraph(cf);
        var events = Records(Directory.GetFiles(dir).Single()).Select(Fields).ToList();
        var graph = Fields(events.Single(e => e.Any(x => x.Number == 4)).One(4).Bytes!);
        var nodes = graph.All(1).Select(n => n.AsMessage).ToList();
        Assert.That(nodes, Has.Count.EqualTo(cf.Graph.Nodes.Count));
        var names = nodes.Select(n => n.One(1).AsString).ToHashSet();
        Assert.That(nodes.Select(n => n.One(2).AsString), Does.Contain("MatMul").And.Contain("Relu"));
        foreach (var n in nodes)
            foreach (var input in n.All(3).Select(i => i.AsString))
                Assert.That(names, Does.Contain(input.TrimStart('^').Split(':')[0]), $"input '{input}' of '{n.One(1).AsString}' names a node");
        var matmul = nodes.First(n => n.One(2).AsString == "MatMul");
        var attrs = matmul.All(5).Select(e => e.AsMessage).ToDictionary(e => e.One(1).AsString, e => e.One(2).AsMessage);
        var shape = attrs["_output_shapes"].One(1).AsMessage.One(7).AsMessage;
        Assert.That(shape.All(2).Select(d => (long)d.AsMessage.One(1).Bits), Is.EqualTo(new[] { -1L, 2 }));
        Assert.That(attrs["T"].One(6).Bits, Is.EqualTo(1UL), "DT_FLOAT");
    }

    [Test]
    public void WritingAfterDisposeIsRefused()
    {
        var w = new SummaryWriter(dir);
        w.Dispose();
        w.Dispose();
        Assert.Throws<ObjectDisposedException>(() => w.AddScalar("x", 1, 0));
    }
}
