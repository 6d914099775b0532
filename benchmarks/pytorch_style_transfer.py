#!/usr/bin/env python3
"""The style-transfer iteration of examples/StyleTransfer (--weights random) in PyTorch, for BENCHMARKS.md.

VGG19 (random weights, seeded), a 1x3xHxW image parameter, content loss on block4_conv2, Gram-matrix style
losses on block1_conv1..block5_conv1 (after ReLU), total variation, Adam(lr=10). Prints the median time per
iteration and the peak RSS. Uses Debian's python3-torch with 2 threads.
"""
import argparse, resource, statistics, time
import torch
import torch.nn as nn
import torch.nn.functional as F

CFG = [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)]

class Vgg19(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs, names, cin = nn.ModuleList(), [], 3
        for b, (n, c) in enumerate(CFG):
            for i in range(n):
                self.convs.append(nn.Conv2d(cin, c, 3, padding=1)); names.append(f"block{b + 1}_conv{i + 1}"); cin = c
        self.names = names

    def forward(self, x, wanted):
        out, k = {}, 0
        for b, (n, _) in enumerate(CFG):
            for i in range(n):
                x = F.relu(self.convs[k](x)); name = self.names[k]; k += 1
                if name in wanted: out[name] = x
                if len(out) == len(wanted): return out
            x = F.max_pool2d(x, 2)
        return out

def gram(f):
    _, c, h, w = f.shape
    f = f.reshape(c, h * w)
    return f @ f.t() / (h * w * c)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = Vgg19().eval()
    for p in net.parameters(): p.requires_grad_(False)
    style_layers = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1"]
    content_layer = "block4_conv2"
    wanted = set(style_layers + [content_layer])
    content = torch.rand(1, 3, a.size, a.size) * 255
    style = torch.rand(1, 3, a.size, a.size) * 255
    with torch.no_grad():
        ct = net(content, {content_layer})[content_layer]
        st = {k: gram(v) for k, v in net(style, set(style_layers)).items()}
    img = content.clone().requires_grad_(True)
    opt = torch.optim.Adam([img], lr=10)
    times = []
    for _ in range(a.steps + 2):
        t = time.perf_counter()
        opt.zero_grad()
        f = net(img, wanted)
        loss = F.mse_loss(f[content_layer], ct)
        loss = loss + 1e5 / len(style_layers) * sum(F.mse_loss(gram(f[k]), st[k]) for k in style_layers)
        loss = loss + 1e-4 * (((img[:, :, 1:] - img[:, :, :-1]) ** 2).mean() + ((img[:, :, :, 1:] - img[:, :, :, :-1]) ** 2).mean())
        loss.backward()
        opt.step()
        with torch.no_grad(): img.clamp_(0, 255)
        times.append(time.perf_counter() - t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pytorch {torch.__version__} style-transfer iteration {a.size}x{a.size}: "
          f"{statistics.median(times[2:]) * 1000:.0f} ms (median of {a.steps}), peak RSS {peak:.0f} MB, {a.threads} threads")

if __name__ == "__main__":
    main()
