namespace StyleTransfer;

/// <summary>Writes the loss curves as a PNG (log scale) with ScottPlot.</summary>
internal static class LossPlot
{
    public static void Write(IReadOnlyList<(int Step, double Total, double Content, double Style, double Tv)> history, string path)
    {
        var plot = new ScottPlot.Plot();
        double[] xs = history.Select(h => (double)h.Step).ToArray();
        void Line(string label, Func<(int Step, double Total, double Content, double Style, double Tv), double> pick)
        {
            var s = plot.Add.Scatter(xs, history.Select(h => Math.Log10(Math.Max(pick(h), 1e-6))).ToArray());
            s.LegendText = label;
        }
        Line("total", h => h.Total);
        Line("content", h => h.Content);
        Line("style", h => h.Style);
        Line("total variation", h => h.Tv);
        plot.Title("Style transfer losses");
        plot.XLabel("step");
        plot.YLabel("log10(loss)");
        plot.ShowLegend();
        plot.SavePng(path, 800, 500);
    }
}
