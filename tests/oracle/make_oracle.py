#!/usr/bin/python3
"""Float64 oracle cases at larger shapes, each with PyTorch float32's own error on it.

usage: make_oracle.py GEN_PY OUTDIR

GEN_PY is the reference generator (../shared/goldens/gen.py); it draws every case in float64
at each shape below. This script then replays each case in float32 through the same PyTorch code
and records, per compared output, float32's own worst error as a multiple of the case's
tolerance (`meta.float32`, named as the engine's comparisons are named), normalizing with
PyTorch's own kernels (F.batch_norm and kin) as a PyTorch model would. The lab's oracle test
holds each output within max(tolerance, 4 x that): as exact as float32 permits, no more.
Values are written to 12 significant digits (far below float32's 7) and gzipped.
"""
import gzip, importlib.util, json, os, subprocess, sys, tempfile

# (seed, N, T, D, H, G): batch up to 16, steps up to 32, hidden up to 32. gen.py's lengths
# ([T, T-2, T//2, 2, 1, 1, ...]) leave 3 valid samples at steps 2..T//2-1, 2 from T//2 to T-3
# and 1 at the last two: BN over few samples, the regime the lab studies.
SHAPES = [(7, 12, 24, 5, 20, 2), (11, 16, 32, 6, 32, 4), (5, 9, 17, 4, 12, 3)]
KEEP_NORM_CASES = {(7, 12, 24, 5, 20, 2)}  # a norm case is N*T*4H values x 4: one shape of them
if os.environ.get('ORACLE_SHAPES'):  # e.g. "1,12,24,5,20,2;2,12,24,5,20,2": other draws, to explore
    SHAPES = [tuple(map(int, x.split(','))) for x in os.environ['ORACLE_SHAPES'].split(';')]
    KEEP_NORM_CASES = set(SHAPES)
ONLY = os.environ.get('ORACLE_ONLY', '')  # keep only cases whose file name contains this
DRAWS = 12  # seeds tried per shape for a well-conditioned draw of each case
WELL_CONDITIONED = 1.0  # the float64 answer moves by under one tolerance under float32-level noise


def load_gen(path):
    spec = importlib.util.spec_from_file_location('gen', path)
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return gen


def use_native_norms(gen):
    """In the float32 replay, normalize with PyTorch's own kernels (F.batch_norm, F.group_norm,
    F.layer_norm, F.instance_norm: closed-form backward), as a PyTorch user's model would: the bar
    is what float32 permits, not what autograd through mean/var formulas loses. Statistics for the
    comparisons are computed beside them (sequence-wise BN and IN cells normalize with those, as gen.py does)."""
    import torch
    import torch.nn.functional as F
    EPS = gen.EPS

    def bn_masked(a, m, gamma, beta):
        idx = m > 0
        cnt = m.sum()
        if cnt == 0:
            return a, None, None, cnt
        valid = a[idx]
        mu = valid.mean(0)
        var = valid.var(0, unbiased=False)
        if int(cnt) == 1:  # one sample: x - mean is 0 whatever x is; y is beta
            yv = 0 * valid + beta
        else:
            yv = F.batch_norm(valid, None, None, gamma, beta, training=True, eps=EPS)
        y = a.clone()
        y[idx] = yv
        return y, mu, var, cnt

    def gn(a, G, gamma, beta):
        shp = a.shape
        C = shp[-1]
        y = F.group_norm(a.reshape(-1, C), G, gamma, beta, eps=EPS).reshape(shp)
        ag = a.reshape(*shp[:-1], G, C // G)
        return y, ag.mean(-1), ag.var(-1, unbiased=False)

    def ln(a, gamma, beta):
        y = F.layer_norm(a, (a.shape[-1],), gamma, beta, eps=EPS)
        return y, a.mean(-1), a.var(-1, unbiased=False)

    def inorm(a, m, gamma, beta):
        N, T, C = a.shape
        cnt = m.sum(1)
        ys, mus, vars_ = [], [], []
        for n in range(N):
            L = int(cnt[n])
            v = a[n, :L]  # [L, C]
            mus.append(v.mean(0)); vars_.append(v.var(0, unbiased=False))
            yv = 0 * v + beta if L == 1 else F.instance_norm(v.T[None], weight=gamma, bias=beta, eps=EPS)[0].T
            ys.append(torch.cat([yv, a[n, L:]], 0))
        return torch.stack(ys), torch.stack(mus), torch.stack(vars_), cnt

    gen.bn_masked, gen.gn, gen.ln, gen.inorm = bn_masked, gn, ln, inorm


def ratio(got, ref, tol):
    import torch
    got = torch.as_tensor(got, dtype=torch.float64).flatten()
    ref = torch.as_tensor(ref, dtype=torch.float64).flatten()
    return ((got - ref).abs() / (tol['atol'] + tol['rtol'] * ref.abs())).max().item() if ref.numel() else 0.0


def float32_norm(gen, c, tol, dtype):
    import torch
    f = lambda k: torch.tensor(c[k], dtype=dtype)
    out = gen.norm_case(c['norm'], f('x'), c['lengths'], f('gamma'), f('beta'), f('dy'), c.get('groups') or 1)
    names = ['y', 'dx', 'dgamma', 'dbeta'] + [k for k in ('mean', 'var', 'ms') if k in c]
    return {k: ratio(out[k], c[k], tol) for k in names}


def float32_cell(gen, c, tol, dtype):
    import torch
    import torch.nn.functional as F
    P = {k: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in c['params'].items()}
    T, H = c['T'], c['H']
    running = {w: gen.Running(T, P['Wx'].shape[1] if w != 'c' else H) for w in ('x', 'h', 'c')}
    running['seq'] = gen.Running(1, P['Wx'].shape[1])
    logits, h, stats, _ = gen.forward(c['cell'], c['norm'], P, torch.tensor(c['x'], dtype=dtype), c['lengths'], c.get('groups') or 1, running, training=True)
    loss = F.cross_entropy(logits, torch.tensor(c['labels']))
    loss.backward()
    r = {'loss': ratio([loss.item()], [c['loss']], tol), 'logits': ratio(logits.detach(), c['logits'], tol), 'h_last': ratio(h.detach(), c['h_last'], tol)}
    for k, p in P.items():
        r['grad ' + k] = ratio(p.grad, c['grads'][k], tol)
    for term, s in (c.get('batch_stats') or {}).items():
        if len(s['mean']) == 0:
            continue
        r[f'batch_stats {term} mean'] = ratio(stats[term]['mean'], s['mean'], tol)
        r[f'batch_stats {term} var'] = ratio(stats[term]['var'], s['var'], tol)
    if 'instance_stats' in c:
        r['instance_stats mean'] = ratio(stats['x']['mean'], c['instance_stats']['mean'], tol)
        r['instance_stats var'] = ratio(stats['x']['var'], c['instance_stats']['var'], tol)
    return r


def rounded(v):
    if isinstance(v, float):
        return float('%.12g' % v)
    if isinstance(v, list):
        return [rounded(x) for x in v]
    if isinstance(v, dict):
        return {k: rounded(x) for k, x in v.items()}
    return v


def perturbed(c, g, eps=6e-8):
    """The case's inputs and parameters moved at float32's rounding level (relative eps)."""
    import torch
    noisy = lambda v: (torch.tensor(v, dtype=torch.float64) * (1 + eps * torch.randn(torch.tensor(v).shape, generator=g, dtype=torch.float64))).tolist()
    c = dict(c)
    if c['kind'] == 'norm':
        for k in ('x', 'gamma', 'beta', 'dy'):
            c[k] = noisy(c[k])
    else:
        c['x'] = noisy(c['x'])
        c['params'] = {k: noisy(v) for k, v in c['params'].items()}
    return c


def conditioning(gen64, c, tol, trials=4):
    """The case's float64 answer replayed from inputs moved at float32's rounding level: the worst
    output change, in tolerances. A case that moves by a whole tolerance under such noise (BN over
    two samples whose difference is near sqrt(eps), a chaotic RNN) is no float32 reference: no
    float32 engine, PyTorch included, can be held to it (gen.py draws its training case the same
    way, at a quarter)."""
    import torch
    g = torch.Generator().manual_seed(0)
    worst = 0.0
    for _ in range(trials):
        p = perturbed(c, g)
        r = replay(gen64, p, tol, torch.float64)
        # compare the perturbed replay with the case's own answer
        worst = max(worst, max(r.values()))
    return worst


def replay(gen, c, tol, dtype):
    import torch
    torch.set_default_dtype(dtype)
    try:
        if c['kind'] == 'norm':
            return float32_norm(gen, c, tol, dtype)
        return float32_cell(gen, c, tol, dtype)
    finally:
        torch.set_default_dtype(torch.float64)


def main():
    gen_py, outdir = sys.argv[1], sys.argv[2]
    import torch
    gen64 = load_gen(gen_py)  # gen.py's own formulas, float64: the conditioning replays
    gen32 = load_gen(gen_py)
    use_native_norms(gen32)  # PyTorch's own normalization kernels: the float32 bar
    allclose = torch.allclose
    dropped = []
    for shape in SHAPES:
        name = 's%d-n%d-t%d-d%d-h%d-g%d' % shape
        os.makedirs(os.path.join(outdir, name), exist_ok=True)
        pending = None
        for seed in range(shape[0], shape[0] + DRAWS):
            with tempfile.TemporaryDirectory() as tmp:
                done = subprocess.run([sys.executable, gen_py, str(seed), *map(str, shape[1:]), tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if done.returncode != 0:  # gen.py found no well-conditioned training case at this seed
                    continue
                files = sorted(f for f in os.listdir(tmp) if not f.startswith('train') and (shape in KEEP_NORM_CASES or not f.startswith('norm')) and ONLY in f)
                if pending is None:
                    pending = set(files)
                torch.allclose = lambda *a, **k: True  # gen's cross-checks hold in float64, not at float32's rounding
                for f in sorted(pending):
                    c = json.load(open(os.path.join(tmp, f)))
                    tol = c['meta']['tolerance']
                    cond = conditioning(gen64, c, tol)
                    if cond >= WELL_CONDITIONED:
                        print(name, f, 'seed', seed, 'ill-conditioned %.3f' % cond, flush=True)
                        continue
                    c['meta']['conditioning'] = cond
                    c['meta']['float32'] = replay(gen32, c, tol, torch.float32)
                    c['meta']['shape'] = name
                    with gzip.open(os.path.join(outdir, name, f + '.gz'), 'wt') as out:
                        json.dump(rounded(c), out, separators=(',', ':'))
                    pending.discard(f)
                    print(name, f, 'seed', seed, 'conditioning %.3f' % cond, 'float32 worst %.3f' % max(c['meta']['float32'].values()), flush=True)
                torch.allclose = allclose
            if not pending:
                break
        dropped += [(name, f) for f in sorted(pending)]
    with open(os.path.join(outdir, 'dropped.txt'), 'w') as out:
        out.write('# ill-conditioned in every draw: the float64 answer moves by a tolerance or more under float32-level noise\n')
        for name, f in dropped:
            out.write('%s %s\n' % (name, f))
    print(len(dropped), 'dropped:', dropped)


if __name__ == '__main__':
    main()
