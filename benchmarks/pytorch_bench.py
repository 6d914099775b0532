#!/usr/bin/python3
"""PyTorch (Debian's python3-torch, 2 threads) on the same workloads as Eager.Benchmarks.

Writes {"torch": version, "threads": 2, "results": {"Workload/Method/Param": median_ms}}; the keys match the
rows of Eager.Benchmarks so the report can put both side by side. Times are per operation, like
BenchmarkDotNet's (the tiny-op rows are per op, not per loop).
"""
import argparse
import json
import statistics
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--out", default="benchmarks/pytorch_results.json")
    args = p.parse_args()
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
    with open(args.out, "w") as f:
        json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}, f, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
