namespace OcrDetect;

/// <summary>An axis-aligned text box in image pixels and the model's mean probability inside it.</summary>
public sealed record TextBox(float Left, float Top, float Right, float Bottom, float Score);

/// <summary>
/// DB post-processing, axis-aligned: threshold the probability map, take connected regions, drop small or weak ones,
/// and grow each box by PaddleOCR's unclip distance (area * 1.5 / perimeter), since the model predicts shrunk text.
/// </summary>
public static class TextBoxes
{
    public static List<TextBox> Find(float[] prob, int h, int w, float scaleX, float scaleY,
        float threshold = 0.3f, float boxThreshold = 0.6f, int minSide = 3, float unclip = 1.5f)
    {
        var seen = new bool[h * w];
        var boxes = new List<TextBox>();
        var stack = new Stack<int>();
        for (int start = 0; start < h * w; start++)
        {
            if (seen[start] || prob[start] <= threshold) continue;
            int top = h, left = w, bottom = -1, right = -1, count = 0;
            double sum = 0;
            seen[start] = true;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop(), y = p / w, x = p % w;
                top = Math.Min(top, y); bottom = Math.Max(bottom, y); left = Math.Min(left, x); right = Math.Max(right, x);
                sum += prob[p]; count++;
                foreach (var q in new[] { p - w, p + w, x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1 })
                {
                    if (q < 0 || q >= h * w || seen[q] || prob[q] <= threshold) continue;
                    seen[q] = true;
                    stack.Push(q);
                }
            }
            float bw = right - left + 1, bh = bottom - top + 1;
            if (Math.Min(bw, bh) < minSide || sum / count < boxThreshold) continue;
            float d = bw * bh * unclip / (2 * (bw + bh));
            boxes.Add(new TextBox(
                Math.Max(0, (left - d) * scaleX), Math.Max(0, (top - d) * scaleY),
                Math.Min(w, right + 1 + d) * scaleX, Math.Min(h, bottom + 1 + d) * scaleY, (float)(sum / count)));
        }
        return boxes.OrderBy(b => b.Top).ThenBy(b => b.Left).ToList();
    }
}
