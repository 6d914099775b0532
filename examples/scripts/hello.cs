#:project ../../Eager.NN/Eager.NN.csproj
// Tensors and the tape: dotnet run hello.cs
using Eager;

var a = Tensor.From(new float[,] { { 1, 2 }, { 3, 4 } });
var b = (a + 1f) * a - a / 2f;
Console.WriteLine($"a = {a}");
Console.WriteLine($"(a + 1) * a - a / 2 = {b}");
Console.WriteLine($"a @ a^T = {Ops.MatMul(a, a, transposeB: true)}");

// A GradientTape records the ops on watched tensors; Gradient walks them backwards.
var x = Tensor.Scalar(3f);
using (var tape = new GradientTape())
{
    tape.Watch(x);
    var y = x * x * x;                                  // y = x^3
    Console.WriteLine($"d(x^3)/dx at 3 = {tape.Gradient(y, x)!.Item<float>()}");   // 3 x^2 = 27
}

// Variables are watched automatically: gradient descent on a least-squares fit.
var w = new Variable(Tensor.Zeros(new Shape(2, 1)), name: "w");
var target = Tensor.From(new float[,] { { 1 }, { 2 } });
for (int step = 0; step < 3000; step++)
{
    using var tape = new GradientTape();
    var loss = Ops.ReduceMean(Ops.Square(Ops.MatMul(a, w) - target));
    w.AssignSub(tape.Gradient(loss, w)! * 0.05f);
}
var wv = w.Value.ToArray<float>();
Console.WriteLine($"least squares w = ({wv[0]:F3}, {wv[1]:F3})");   // solves a w = target: (0, 0.5)

// Function.Create traces a C# function into a graph once per input signature.
var f = Function.Create((Tensor t) => Ops.Relu(t * 2f - 1f));
Console.WriteLine($"traced f([0, 1, 2]) = {f.Invoke(Tensor.From(new[] { 0f, 1f, 2f }))}, traces: {f.TraceCount}");
