using Eager.NN;

namespace Eager.Tests.NN;

/// <summary>Layers, optimizers and losses go through the ops (and so the tape and graphs), never the kernels.</summary>
public class ArchitectureTests
{
    [Test]
    public void EagerNNDoesNotReferenceTheKernels()
    {
        var refs = typeof(Layer).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.That(refs, Does.Contain("Eager.Core"));
        Assert.That(refs, Does.Not.Contain("Eager.Kernels"));
    }
}
