#!/usr/bin/python3
"""PyTorch (Debian's python3-torch, 2 threads) on the same workloads as Eager.Benchmarks.

Writes {"torch": version, "threads": 2, "results": {"Workload/Method/Param": median_ms}}; the keys match the
rows of Eager.Benchmarks so the report can put both side by side. Times are per operation, like
BenchmarkDotNet's (the tiny-op rows are per op, not per loop).
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(0)


def median_ms(fn, reps, warmup=2, ops_per_call=1):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3 / ops_per_call)
    return statistics.median(times)


def matmul(n):
    a, b = torch.rand(n, n) * 2 - 1, torch.rand(n, n) * 2 - 1
    return lambda: torch.matmul(a, b)


def conv(size, channels, backward):
    x = torch.rand(1, channels, size, size) * 2 - 1
    w = (torch.rand(channels, channels, 3, 3) * 2 - 1) * (3.0 / (9 * channels)) ** 0.5
    if not backward:
        return lambda: F.conv2d(x, w, padding=1)
    xg, wg = x.clone().requires_grad_(), w.clone().requires_grad_()
    ones = torch.ones(1, channels, size, size)

    def step():
        xg.grad = wg.grad = None
        F.conv2d(xg, wg, padding=1).backward(ones)
    return step


def tiny(autograd):
    x = torch.rand(16) * 2 - 1

    def loop():
        if autograd:
            y = x.clone().requires_grad_()
            for _ in range(50_000):
                y = y * 1.0001 + 0.5
        else:
            with torch.no_grad():
                y = x
                for _ in range(50_000):
                    y = y * 1.0001 + 0.5
        return y
    return loop


VGG19 = [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0]


def vgg19_layers(upto=len(VGG19)):
    layers, cin = [], 3
    for cout in VGG19[:upto]:
        if cout == 0:
            layers.append(None)
            continue
        w = (torch.rand(cout, cin, 3, 3) * 2 - 1) * (6.0 / (9 * cin)) ** 0.5
        b = (torch.rand(cout) * 2 - 1) * 0.01
        layers.append((w, b))
        cin = cout
    return layers


def vgg19_run(layers, h, collect=None):
    outs = []
    for layer in layers:
        h = F.max_pool2d(h, 2, 2) if layer is None else F.relu(F.conv2d(h, layer[0], layer[1], padding=1))
        outs.append(h)
    return outs


def vgg19_features():
    layers = vgg19_layers()
    image = torch.rand(1, 3, 224, 224) * 2 - 1

    def run():
        with torch.no_grad():
            return vgg19_run(layers, image)[-1]
    return run


def train_step(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def mlp_step():
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 10))
    return train_step(model, torch.rand(128, 784) * 2 - 1, torch.randint(0, 10, (128,)))


def lenet_step():
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    return train_step(model, torch.rand(64, 1, 28, 28) * 2 - 1, torch.randint(0, 10, (64,)))


def gram(f):
    c, hw = f.shape[1], f.shape[2] * f.shape[3]
    flat = f.reshape(c, hw)
    return flat @ flat.t() / hw


def style_transfer_iteration():
    """Same iteration as Eager's StyleTransferBenchmarks: VGG19 to conv5_1, content at conv4_2, Gram style losses."""
    layers = vgg19_layers(17)
    style_layers, content_layer = [0, 3, 6, 11, 16], 12
    content, style = torch.rand(1, 3, 256, 256) * 2 - 1, torch.rand(1, 3, 256, 256) * 2 - 1
    with torch.no_grad():
        content_target = vgg19_run(layers, content)[content_layer]
        sf = vgg19_run(layers, style)
        style_targets = [gram(sf[i]) for i in style_layers]
    image = content.clone().requires_grad_()

    def iteration():
        image.grad = None
        feats = vgg19_run(layers, image)
        loss = ((feats[content_layer] - content_target) ** 2).mean()
        for i, t in zip(style_layers, style_targets):
            loss = loss + 1e3 * ((gram(feats[i]) - t) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            image.sub_(0.01 * image.grad)
        return loss
    return iteration


def layer_norm_gelu():
    """Same ops as Eager's GraphBenchmarks.LayerNormGelu: LayerNorm over the last axis, then the tanh GELU, op by op."""
    x = torch.rand(256, 1024) * 4 - 2
    gamma, beta = torch.rand(1024) + 0.5, torch.rand(1024) * 0.2 - 0.1

    def run():
        mean = x.mean(-1, keepdim=True)
        centered = x - mean
        var = (centered * centered).mean(-1, keepdim=True)
        y = centered * torch.rsqrt(var + 1e-5) * gamma + beta
        inner = (y + y.pow(3) * 0.044715) * 0.7978845608
        return y * 0.5 * (torch.tanh(inner) + 1)
    return run


def adam_update():
    """torch.optim.Adam's step over four 512x512 weights (1M parameters) with fixed gradients."""
    params = [torch.nn.Parameter(torch.rand(512, 512) * 0.1 - 0.05) for _ in range(4)]
    for p in params:
        p.grad = torch.rand(512, 512) * 0.02 - 0.01
    opt = torch.optim.Adam(params, lr=1e-3)

    def run():
        opt.step()
    return run


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--out", default="benchmarks/pytorch_results.json")
    p.add_argument("--rss-only", action="store_true", help="run 3 style-transfer iterations, print peak RSS in MB")
    args = p.parse_args()
    if args.rss_only:
        it = style_transfer_iteration()
        for _ in range(3):
            it()
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        return
    reps = 3 if args.quick else 10
    results = {}

    def bench(key, fn, reps=reps, ops=1):
        results[key] = median_ms(fn, reps, ops_per_call=ops)
        print(f"{key}: {results[key]:.4f} ms", flush=True)

    bench("MatMul/Eager/256", matmul(256), reps * 10)
    bench("MatMul/Eager/1024", matmul(1024))
    for size, ch in ((112, 64), (56, 256)):
        bench(f"Conv/Eager/{size}x{ch}", conv(size, ch, False))
        bench(f"Conv/EagerForwardBackward/{size}x{ch}", conv(size, ch, True))
    bench("TinyOp/Eager/", tiny(False), max(3, reps // 2), ops=100_000)
    bench("TinyOp/EagerWithTape/", tiny(True), max(3, reps // 2), ops=100_000)
    bench("Vgg19/Eager/", vgg19_features(), max(3, reps // 2))
    bench("Training/MlpStep/", mlp_step(), reps * 3)
    bench("Training/LeNetStep/", lenet_step(), reps * 3)
    bench("StyleTransfer/Iteration/", style_transfer_iteration(), max(3, reps // 2))
    bench("Graph/LayerNormGelu/", layer_norm_gelu(), reps * 3)
    bench("Graph/AdamUpdate/", adam_update(), reps * 3)
    # PyTorch runs these eagerly; Eager's traced variants are compared with the same PyTorch figures.
    for eager, traced in (("Graph/LayerNormGelu/", "Graph/LayerNormGeluTraced/"), ("Graph/AdamUpdate/", "Graph/AdamUpdateTraced/"),
                          ("Training/MlpStep/", "Training/MlpStepTraced/"), ("Training/LeNetStep/", "Training/LeNetStepTraced/"),
                          ("Training/MlpStep/", "Graph/SessionMlpStep/")):
        results[traced] = results[eager]
    # Peak memory of a style-transfer run on its own, in a fresh interpreter.
    rss = float(subprocess.run([sys.executable, __file__, "--rss-only"], check=True, capture_output=True, text=True).stdout.split()[-1])
    with open(args.out, "w") as f:
        json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results,
                   "style_transfer_peak_rss_mb": rss}, f, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
