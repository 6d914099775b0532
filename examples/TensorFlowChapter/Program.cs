// The TensorFlow 1 chapter's programs, in order, line for line in C# (docs/tf1.md sets them side by side):
//   1 basics      graphs, the default graph, Session, InteractiveSession, Eval
//   2 variables   variables, initializers, per-session values, random initial values
//   3 feeding     placeholders (with and without shapes) and feed_dict
//   4 queues      a FIFOQueue filled by reader threads (QueueRunner, Coordinator), dequeued in the graph
//   5 nn          the tf.nn functions the chapter lists
//   6 loading     the four ways of loading data: feeding, preloaded constants and variables, a queue, a Dataset
//   7 training    a training loop and predictions
// Each section checks its own results and prints "ok"; a wrong result exits with code 1.
// Usage: dotnet run -c Release --project examples/TensorFlowChapter [-- section ...]
using TensorFlowChapter;

var sections = new (string Name, string Title, Action Run)[]
{
    ("basics", "1. Graph and session basics", Basics.Run),
    ("variables", "2. Variables and initializers", Variables.Run),
    ("feeding", "3. Placeholders and feed_dict", Feeding.Run),
    ("queues", "4. A queue with reader threads", Queues.Run),
    ("nn", "5. The tf.nn functions", NNFunctions.Run),
    ("loading", "6. Four ways of loading data", Loading.Run),
    ("training", "7. Training and prediction", Training.Run),
};
var chosen = args.Length == 0 ? sections : sections.Where(s => args.Contains(s.Name)).ToArray();
if (chosen.Length == 0)
{
    Console.Error.WriteLine($"unknown section; choose from: {string.Join(", ", sections.Select(s => s.Name))}");
    return 2;
}
foreach (var (_, title, run) in chosen)
{
    Console.WriteLine($"== {title}");
    try { run(); }
    catch (CheckFailed e)
    {
        Console.WriteLine($"FAILED: {e.Message}");
        return 1;
    }
    Console.WriteLine("ok");
}
return 0;

namespace TensorFlowChapter
{
    /// <summary>A section's result was not what the chapter says.</summary>
    internal sealed class CheckFailed(string message) : Exception(message);

    internal static class Check
    {
        public static void That(bool ok, string what)
        {
            if (!ok) throw new CheckFailed(what);
        }

        public static bool Close(float[] got, float[] want, float tol = 1e-4f) =>
            got.Length == want.Length && got.Zip(want).All(p => MathF.Abs(p.First - p.Second) <= tol * (1 + MathF.Abs(p.Second)));
    }
}
