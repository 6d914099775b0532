using Eager;

// Fits y = 3x - 2 by gradient descent with a GradientTape, printing progress.
var x = Tensor.Linspace(-1, 1, 64).Reshape(64, 1);
var y = x * 3f - 2f;
var w = new Variable(Tensor.Zeros(new Shape(1, 1)), name: "w");
var b = new Variable(Tensor.Zeros(new Shape(1)), name: "b");
for (int step = 0; step <= 200; step++)
{
    using var tape = new GradientTape();
    var err = Ops.MatMul(x, w) + b - y;
    var loss = Ops.ReduceSum(err * err) / 64f;
    var grads = tape.Gradient(loss, new[] { w, b });
    w.AssignSub(grads[0]! * 0.5f);
    b.AssignSub(grads[1]! * 0.5f);
    if (step % 20 == 0) Console.WriteLine($"step {step,3}  loss {loss.Item<float>():F6}  w {w.Value.Item<float>():F4}  b {b.Value.Item<float>():F4}");
}
