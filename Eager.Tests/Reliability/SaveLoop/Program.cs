using Eager;
using Eager.NN;

// SaveLoop <folder> <first step>: saves a checkpoint and a function graph file into <folder> over and over, step
// after step, every tensor of step s filled with s, and prints "ckpt s" / "graph s" once each save has returned.
// The parent kills it at a random moment and checks that the files under the final names are complete.
var dir = args[0];
long step = long.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
const int Elements = 1 << 17; // 512 KiB of float32: big enough that kills land inside writes too
var w = new Variable(Tensor.Zeros(new Shape(Elements)), name: "w");
var n = new Variable(Tensor.From(new[] { 0L }), name: "step");
var checkpoint = new Checkpoint().Add("w", w).Add("step", n);
var function = Function.Create((Tensor x) => x * w.Read(), "scale").GetConcreteFunction(new TensorSpec(new Shape(Elements), DType.Float32));
var ckptPath = Path.Combine(dir, "model.ckpt");
var graphPath = Path.Combine(dir, "scale.eagergraph");
var stdout = Console.Out;
for (; ; step++)
{
    w.Assign(Tensor.Full(new Shape(Elements), step, DType.Float32));
    n.Assign(Tensor.From(new[] { step }));
    checkpoint.Save(ckptPath);
    stdout.WriteLine($"ckpt {step}");
    stdout.Flush();
    function.Save(graphPath);
    stdout.WriteLine($"graph {step}");
    stdout.Flush();
}
