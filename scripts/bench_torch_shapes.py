#!/usr/bin/python3
"""PyTorch timings at any LSTM shapes, with the anchors' own models (../shared/anchors/bench_torch.py:
the eager per-step loop with per-step BN or LayerNorm, and nn.LSTM as the ceiling).

usage: bench_torch_shapes.py ANCHOR_SCRIPT THREADS STEPS H,T,N[,D] ...   -> one JSON line per shape and norm
"""
import importlib.util, sys

anchor, threads, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
shapes = [tuple(map(int, s.split(','))) for s in sys.argv[4:]]
# The anchor script times its own configurations when imported; a filter that matches none
# leaves only its models and its bench() defined.
sys.argv = [anchor, 'cpu', threads, '\0none']
spec = importlib.util.spec_from_file_location('bench_torch', anchor)
bt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bt)
for shape in shapes:
    H, T, N = shape[:3]
    D = shape[3] if len(shape) > 3 else 2  # the adding problem's two inputs, as NormLab's bench
    for norm in ('cudnn', 'none', 'bn_step', 'ln'):
        bt.bench('h%d-T%d-b%d' % (H, T, N), D, H, 2, T, N, norm, steps=steps, warm=2)
