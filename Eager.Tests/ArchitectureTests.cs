using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Eager.Tests;

/// <summary>
/// The dependency arrows of the design (shared/DESIGN.md) and the rule that only the tests see internals, checked
/// on the built assemblies: every Eager library next to the tests is read with System.Reflection.Metadata (nothing
/// is loaded), so a new library must be added to <see cref="Allowed"/> before it can pass.
/// </summary>
public class ArchitectureTests
{
    // Arrows point upward: Kernels <- Core <- {NN, Onnx, Distributed, Interactive}. Layers, optimizers and losses
    // go through the ops (so the tape and graphs see them), never the kernels. Distributed trains NN models and
    // Interactive displays them, so both may see NN.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Eager.Kernels"] = [],
        ["Eager.Core"] = ["Eager.Kernels"],
        ["Eager.NN"] = ["Eager.Core"],
        ["Eager.Onnx"] = ["Eager.Core"],
        ["Eager.Distributed"] = ["Eager.Core", "Eager.NN"],
        ["Eager.Interactive"] = ["Eager.Core", "Eager.NN"],
    };

    private static readonly string[] Required = ["Eager.Kernels", "Eager.Core", "Eager.NN", "Eager.Onnx", "Eager.Distributed", "Eager.Interactive"];

    private static IEnumerable<string> LibraryFiles() =>
        Directory.GetFiles(AppContext.BaseDirectory, "Eager.*.dll")
            .Where(f => Path.GetFileNameWithoutExtension(f) != "Eager.Tests")
            .Order(StringComparer.Ordinal);

    [Test]
    public void EveryLibraryIsKnownAndPresent()
    {
        var names = LibraryFiles().Select(Path.GetFileNameWithoutExtension).ToList();
        Assert.That(names, Is.SupersetOf(Required));
        foreach (var n in names)
            Assert.That(Allowed.ContainsKey(n!), $"{n}.dll is not in ArchitectureTests.Allowed: add its arrows from DESIGN.md.");
    }

    [Test]
    public void ReferencesFollowTheArrows()
    {
        var wrong = new List<string>();
        foreach (var file in LibraryFiles())
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (!Allowed.TryGetValue(name, out var allowed)) continue;
            foreach (var r in Read(file, out _))
                if (r.StartsWith("Eager.", StringComparison.Ordinal) && !allowed.Contains(r))
                    wrong.Add($"{name} -> {r}");
        }
        Assert.That(wrong, Is.Empty, "references against DESIGN.md's arrows");
    }

    [Test]
    public void OnlyTheTestsSeeInternals()
    {
        var wrong = new List<string>();
        foreach (var file in LibraryFiles())
        {
            Read(file, out var friends);
            if (Path.GetFileNameWithoutExtension(file) == "Eager.Core")
                Assert.That(friends, Does.Contain("Eager.Tests"), "the attribute reader must see Core's grant to the tests");
            wrong.AddRange(friends.Where(f => f != "Eager.Tests").Select(f => $"{Path.GetFileNameWithoutExtension(file)} -> {f}"));
        }
        Assert.That(wrong, Is.Empty, "InternalsVisibleTo other than Eager.Tests: make what they need public API instead");
    }

    /// <summary>The assembly references of <paramref name="file"/> and the assemblies it grants InternalsVisibleTo.</summary>
    private static List<string> Read(string file, out List<string> friends)
    {
        using var stream = File.OpenRead(file);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var refs = md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList();
        friends = [];
        foreach (var h in md.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attr = md.GetCustomAttribute(h);
            if (attr.Constructor.Kind != HandleKind.MemberReference) continue;
            var parent = md.GetMemberReference((MemberReferenceHandle)attr.Constructor).Parent;
            if (parent.Kind != HandleKind.TypeReference) continue;
            if (md.GetString(md.GetTypeReference((TypeReferenceHandle)parent).Name) != "InternalsVisibleToAttribute") continue;
            var blob = md.GetBlobReader(attr.Value);
            if (blob.ReadUInt16() != 1) continue;   // the custom attribute prolog
            var friend = blob.ReadSerializedString() ?? "";
            friends.Add(friend.Split(',')[0].Trim());
        }
        return refs;
    }
}
