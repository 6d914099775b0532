using System.Security.Cryptography;
using System.Text;

namespace Eager.Tests.Core.Graphs;

/// <summary>Graph files are untrusted input: truncated, flipped and mutated files must always give a clean
/// <see cref="InvalidDataException"/>, never another exception or a crash.</summary>
public class GraphFileFuzzTests
{
    private static byte[] SmallFile()
    {
        var w = new Variable(Tensor.From(new[] { 1f, 2f }), name: "w");
        var f = Function.Create((Tensor x) =>
        {
            w.AssignAdd(x);
            return Ops.ReduceSum(Ops.Reshape(x * w, 2, 1) + Tensor.From(new[] { 1f, 2f }).Reshape(1, 2) * 0f, axis: 0, keepDims: true);
        });
        var path = Path.Combine(Path.GetTempPath(), $"eager-fuzz-{Guid.NewGuid():N}.eagergraph");
        try
        {
            f.GetConcreteFunction(new TensorSpec(new Shape(2), DType.Float32)).Save(path);
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }

    private static byte[] IntSmallFile()
    {
        var f = Function.Create((Tensor x) => Ops.ReduceSum(x * 3, axis: 0));
        var path = Path.Combine(Path.GetTempPath(), $"eager-fuzz-{Guid.NewGuid():N}.eagergraph");
        try
        {
            f.GetConcreteFunction(new TensorSpec(new Shape(-1, 2), DType.Int32)).Save(path);
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }

    private static byte[] ControlFlowFile()
    {
        var f = Function.Create((Tensor x) => Ops.WhileLoop(v => Ops.Less(Ops.ReduceSum(v), Tensor.Scalar(9f)),
            v => Ops.Cond(Ops.Greater(Ops.ReduceSum(v), Tensor.Scalar(0f)), () => v * 2f, () => v + 1f), x));
        var path = Path.Combine(Path.GetTempPath(), $"eager-fuzz-{Guid.NewGuid():N}.eagergraph");
        try
        {
            f.GetConcreteFunction(new TensorSpec(new Shape(2), DType.Float32)).Save(path);
            return File.ReadAllBytes(path);
        }
        finally { File.Delete(path); }
    }

    /// <summary>Runs the parser and reports anything but success or InvalidDataException.</summary>
    private static string? Outcome(byte[] bytes, bool verifyChecksum)
    {
        try
        {
            GraphFile.Parse(bytes, "fuzz", verifyChecksum);
            return null;
        }
        catch (InvalidDataException) { return null; }
        catch (Exception e) { return $"{e.GetType().Name}: {e.Message}"; }
    }

    [Test]
    public void TheSmallFileLoads()
    {
        var (g, sig) = GraphFile.Parse(SmallFile(), "small", verifyChecksum: true);
        Assert.That(sig, Is.Not.Null);
        GraphVerifier.Verify(g);
    }

    [Test]
    public void EveryTruncationIsRejectedCleanly()
    {
        var bytes = SmallFile();
        for (int n = 0; n < bytes.Length; n++)
        {
            var cut = bytes[..n];
            var e = Assert.Throws<InvalidDataException>(() => GraphFile.Parse(cut, "cut", verifyChecksum: true), $"truncated to {n} bytes");
            Assert.That(e!.Message, Does.Contain("truncated").Or.Contain("not an Eager graph file"), $"truncated to {n} bytes");
        }
    }

    [Test]
    public void EveryFlippedByteIsRejected()
    {
        var bytes = SmallFile();
        for (int i = 0; i < bytes.Length; i++)
        {
            var bad = (byte[])bytes.Clone();
            bad[i] ^= 0x5A;
            Assert.Throws<InvalidDataException>(() => GraphFile.Parse(bad, "flipped", verifyChecksum: true), $"byte {i} flipped");
        }
    }

    [Test]
    [Category("Slow")]
    public void ThePayloadParserSurvivesMutationWithoutTheChecksum()
    {
        var problems = new List<string>();
        foreach (var bytes in new[] { SmallFile(), IntSmallFile(), ControlFlowFile() })
        {
            var rng = new Random(12345);
            for (int i = GraphFile.HeaderSize; i < bytes.Length; i++)
            {
                foreach (byte v in new byte[] { 0, 1, 0x7F, 0xFF, (byte)(bytes[i] ^ 0x80) })
                {
                    var bad = (byte[])bytes.Clone();
                    bad[i] = v;
                    if (Outcome(bad, verifyChecksum: false) is { } p) problems.Add($"byte {i} = {v}: {p}");
                }
            }
            for (int trial = 0; trial < 2000; trial++)
            {
                var bad = (byte[])bytes.Clone();
                int flips = 1 + rng.Next(4);
                for (int k = 0; k < flips; k++) bad[GraphFile.HeaderSize + rng.Next(bad.Length - GraphFile.HeaderSize)] = (byte)rng.Next(256);
                if (Outcome(bad, verifyChecksum: false) is { } p) problems.Add($"random trial {trial}: {p}");
            }
        }
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public void AnUnknownOpIsNamed()
    {
        var bytes = SmallFile();
        var text = Encoding.ASCII.GetBytes("ReduceSum");
        int at = bytes.AsSpan(GraphFile.HeaderSize).LastIndexOf(text) + GraphFile.HeaderSize; // the op name follows the node name
        Assert.That(at, Is.GreaterThan(GraphFile.HeaderSize));
        bytes[at + text.Length - 1] = (byte)'X';
        SHA256.HashData(bytes.AsSpan(GraphFile.HeaderSize), bytes.AsSpan(24, 32));
        var e = Assert.Throws<InvalidDataException>(() => GraphFile.Parse(bytes, "renamed", verifyChecksum: true));
        Assert.That(e!.Message, Does.Contain("ReduceSuX").And.Contain("not registered"));
    }

    [Test]
    public void AnotherVersionIsRefused()
    {
        var bytes = SmallFile();
        bytes[8] = 2;
        Assert.That(Assert.Throws<InvalidDataException>(() => GraphFile.Parse(bytes, "v2", verifyChecksum: true))!.Message, Does.Contain("version 2"));
    }
}
