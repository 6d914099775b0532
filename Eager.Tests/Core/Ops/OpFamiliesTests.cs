using System.Reflection;
using NUnit.Framework;

namespace Eager.Tests.Core;

public class OpFamiliesTests
{
    // The registry loads the families by name; a family left out of that list would have ops that a graph file or
    // the fusers cannot find by name until something else happened to touch the family.
    [Test]
    public void EveryOpDefFieldInCoreIsRegistered()
    {
        var registered = OpRegistry.All.ToHashSet();
        var fields = typeof(OpDef).Assembly.GetTypes()
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Where(f => f.FieldType == typeof(OpDef))
            .ToList();
        Assert.That(fields, Has.Count.GreaterThan(100));
        var missing = fields.Where(f => !registered.Contains((OpDef)f.GetValue(null)!)).Select(f => $"{f.DeclaringType!.Name}.{f.Name}");
        Assert.That(missing, Is.Empty);
    }

    // Ops is the facade users call: every definition and helper lives in a family class.
    [Test]
    public void OpsHoldsOnlyPublicEntryPoints()
    {
        var hidden = typeof(Ops).GetMembers(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .Where(m => m is not MethodInfo { IsSpecialName: true } && !m.Name.Contains('<'))
            .Select(m => m.Name);
        Assert.That(hidden, Is.Empty);
    }
}
