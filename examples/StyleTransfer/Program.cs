using System.Diagnostics;
using Eager;
using Eager.NN;
using Spectre.Console;
using StyleTransfer;

Options opt;
try { opt = Options.Parse(args); }
catch (ArgumentException e) { Console.Error.WriteLine(e.Message); return 2; }
if (opt.Help) { Console.WriteLine(Options.Usage); return 0; }

try { return Run(opt); }
catch (Exception e) when (e is FileNotFoundException or InvalidDataException or NotSupportedException or ArgumentException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static long PeakMegabytes()
{
    const string status = "/proc/self/status";
    if (!File.Exists(status)) return Environment.WorkingSet / (1 << 20);
    var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return line is null ? Environment.WorkingSet / (1 << 20) : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
}

static int Run(Options opt)
{
    var content = ImageIO.Load(opt.Content, opt.Size);
    var style = ImageIO.Load(opt.Style, opt.Size);
    IFeatureNet net = opt.Weights is null
        ? new ResNet18Net(Path.Combine(AppContext.BaseDirectory, "models", "ResNet18.onnx"), Path.Combine(AppContext.BaseDirectory, "models", "ResNetPreprocess.onnx"))
        : Vgg19Net.Load(opt.Weights, opt.WeightsDType);
    AnsiConsole.MarkupLine($"[bold]Features:[/] {Markup.Escape(net.Description)}");
    if (opt.Weights is null)
        AnsiConsole.MarkupLine("[grey]For the classic Gatys et al. look, pass --weights PATH to pretrained VGG19 (torchvision/Keras safetensors or the ONNX model zoo's vgg19).[/]");
    AnsiConsole.MarkupLine($"[bold]Content[/] {Markup.Escape(Path.GetFileName(opt.Content))} {content.Shape}, [bold]style[/] {Markup.Escape(Path.GetFileName(opt.Style))} {style.Shape}, " +
                           $"{opt.Steps} steps of {opt.Optimizer}, {(opt.Tf1 ? "TF1 graph and Session" : opt.Eager ? "eager" : "traced")}");

    if (opt.Tf1 && (opt.Optimizer != "adam" || net is not Vgg19Net))
        throw new ArgumentException("--tf1 runs the chapter's program: Adam on VGG19; pass --weights PATH (or 'random') and no --optimizer lbfgs.");
    IStyleTransfer transfer = opt.Tf1 ? new Tf1Transfer(net, content, style, opt) : new Transfer(net, content, style, opt);
    var history = new List<(int Step, double Total, double Content, double Style, double Tv)>();
    var sw = Stopwatch.StartNew();
    double firstStepSeconds = 0;
    AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
        .Start(ctx =>
        {
            var task = ctx.AddTask("optimising", maxValue: opt.Steps);
            for (int step = 1; step <= opt.Steps; step++)
            {
                var l = transfer.Step();
                if (step == 1) firstStepSeconds = sw.Elapsed.TotalSeconds;
                history.Add((step, l[0], l[1], l[2], l[3]));
                double rate = step > 1 ? (step - 1) / (sw.Elapsed.TotalSeconds - firstStepSeconds) : 0;
                task.Description = $"step {step}/{opt.Steps} loss {l[0]:G4} ({rate:F2} it/s)";
                task.Increment(1);
                if (opt.SaveEvery > 0 && step % opt.SaveEvery == 0 && step < opt.Steps)
                    ImageIO.SavePng(transfer.Image, Path.ChangeExtension(opt.Out, null) + $"-step{step}.png");
            }
        });
    double total = sw.Elapsed.TotalSeconds;
    double perIter = opt.Steps > 1 ? (total - firstStepSeconds) / (opt.Steps - 1) : total;
    ImageIO.SavePng(transfer.Image, opt.Out);
    var plot = Path.ChangeExtension(opt.Out, null) + "-losses.png";
    LossPlot.Write(history, plot);
    AnsiConsole.MarkupLine($"loss {history[0].Total:G4} -> {history[^1].Total:G4}; {(opt.Tf1 ? "TF1 session" : opt.Eager ? "eager" : "traced")}: {perIter * 1000:F0} ms per step " +
                           $"(first step {firstStepSeconds:F1} s{(opt.Eager ? "" : " including tracing")})");
    if (opt.Eager && opt.Optimizer == "adam")
    {
        var traced = new Transfer(net, content, style, new Options { Eager = false, Optimizer = "adam", ContentWeight = opt.ContentWeight, StyleWeight = opt.StyleWeight, TvWeight = opt.TvWeight, LearningRate = opt.LearningRate });
        traced.Step();
        var t = Stopwatch.StartNew();
        for (int i = 0; i < 3; i++) traced.Step();
        AnsiConsole.MarkupLine($"for comparison, traced: {t.Elapsed.TotalMilliseconds / 3:F0} ms per step");
    }
    AnsiConsole.MarkupLine($"peak memory (VmHWM) {PeakMegabytes()} MB");
    AnsiConsole.MarkupLine($"wrote [bold]{Markup.Escape(opt.Out)}[/] and {Markup.Escape(plot)}");
    return 0;
}
