#:package Eager.NN@0.1.0
// The same start as ../hello.cs, against the NuGet packages instead of the repository's projects:
// scripts/pack.sh, then dotnet run hello.cs (the nuget.config beside this file points at artifacts/packages).
using Eager;
using Eager.NN;

var x = Tensor.From(new float[,] { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } });
var y = Tensor.From(new[] { 0, 1, 1, 0 });
Initializer.SetGlobalSeed(3);
var model = new Sequential(new Dense(8, activation: Ops.Tanh), new Dense(2));
model.Compile(new Adam(0.05), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
var history = model.Fit(x, y, epochs: 300, batchSize: 4, verbose: 0);
Console.WriteLine($"xor after {history.Epochs.Count} epochs: loss {history["loss"][^1]:F4}, accuracy {history["accuracy"][^1]:P0}");
