namespace Eager.Tests;

/// <summary>
/// Tests that need data or packages installed by scripts/setup.sh. Outside CI a missing prerequisite skips the
/// test with the install step; under CI=true it fails, so a broken setup cannot turn a suite green by skipping.
/// </summary>
internal static class Requires
{
    /// <summary>True when the CI environment variable is set to true (GitHub Actions, GitLab and .ci/run set it).</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Skips (or under CI fails) the test unless <paramref name="present"/>; the message names what is missing and how to install it.</summary>
    public static void That(bool present, string what, string installStep)
    {
        if (present) return;
        var message = $"{what} is missing; install it with {installStep}.";
        if (InCi) Assert.Fail("CI=true: " + message);
        Assert.Ignore(message);
    }

    /// <summary>The repository root (the folder holding Eager.sln) above the test binaries.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Eager.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new DirectoryNotFoundException("Eager.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
