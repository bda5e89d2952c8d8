#!/usr/bin/python3
"""Golden values for the retrieval metrics (src/Models/Training/RetrievalMetrics.cs), from numpy.

A fixed example (numpy RandomState(0)): 30 candidate embeddings of length 16 (float32; candidate 29 repeats candidate 3,
so ties occur), 80 windows whose true candidate is drawn at random and whose prediction is that embedding plus
Gaussian noise (float32); window 0's prediction is all zeros (cosine 0 with everything).

Definitions: cosine similarity S = (P/|P|)(E/|E|)^T (0 for a zero row); rank of the truth = 1 + #(j != t: S[i, j] >= S[i, t])
(a tie counts against the truth, so a constant prediction scores chance, not 1);
top-k = mean(rank <= k); mean and median (numpy) rank; mean cosine to the truth; chance k/N and (N+1)/2.

Writes tests/Neurodecode.Tests/Golden/retrieval/retrieval.json. Usage: /usr/bin/python3 tools/make_retrieval_golden.py
"""
import json
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden', 'retrieval')


def unit(a):
    n = np.linalg.norm(a, axis=1, keepdims=True)
    return np.divide(a, n, out=np.zeros_like(a), where=n > 0)


def main():
    rng = np.random.RandomState(0)
    e = rng.randn(30, 16).astype(np.float32)
    e[29] = e[3]
    truth = rng.randint(0, 30, 80)
    p = (e[truth] + 1.2 * rng.randn(80, 16)).astype(np.float32)
    p[0] = 0
    s = unit(p.astype(np.float64)) @ unit(e.astype(np.float64)).T
    t = s[np.arange(80), truth]
    ranks = (s >= t[:, None]).sum(1)   # the truth itself is one of the >=
    out = {
        'numpy': np.__version__,
        'candidates': [[float(v) for v in r] for r in e], 'predicted': [[float(v) for v in r] for r in p],
        'truth': [int(v) for v in truth], 'k': 5,
        'similarity_row1': [float(v) for v in s[1]],
        'ranks': [int(v) for v in ranks],
        'top1': float(np.mean(ranks <= 1)), 'top5': float(np.mean(ranks <= 5)),
        'mean_rank': float(ranks.mean()), 'median_rank': float(np.median(ranks)), 'mean_cosine': float(t.mean()),
        'chance_top1': 1 / 30, 'chance_top5': 5 / 30, 'chance_mean_rank': 31 / 2,
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'retrieval.json'), 'w') as f:
        json.dump(out, f)
    print('top1 %.4f top5 %.4f mean rank %.3f median %.1f cosine %.6f' % (out['top1'], out['top5'], out['mean_rank'], out['median_rank'], out['mean_cosine']))


if __name__ == '__main__':
    main()
