#!/usr/bin/python3
"""Golden values for the classification metrics (src/Models/Training/Metrics.cs), from scikit-learn 1.2.

Writes tests/Neurodecode.Tests/Golden/metrics/<case>.json, one file per case:
  y_true, y_pred    class ids 0 .. n_classes-1
  probs             (n, n_classes) class probabilities, or null; for binary cases the score is probs[:, 1]
  expected          balanced_accuracy_score, cohen_kappa_score (unweighted), f1_score(average='weighted'),
                    confusion_matrix(labels=range(n_classes)), precision_recall_fscore_support(labels=range(n_classes),
                    average=None, zero_division=0) as precision/recall/f1/support, and for binary cases
                    roc_auc_score and average_precision_score on probs[:, 1]. A value sklearn leaves undefined
                    (NaN kappa, roc_auc_score raising on one class) is written as null.
Floats are written as Python's repr (shortest round-trip), so the C# side reads back the same doubles.

Cases: random binary and 4-class problems, scores with many ties, a class never predicted, a class absent from
y_true, perfect predictions, and one class only in y_true.

Usage (Debian's interpreter; apt-get install python3-sklearn):
  /usr/bin/python3 tools/make_metrics_golden.py
"""
import json
import math
import os

import numpy as np
import sklearn
from sklearn.metrics import (average_precision_score, balanced_accuracy_score, cohen_kappa_score, confusion_matrix,
                             f1_score, precision_recall_fscore_support, roc_auc_score)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'tests', 'Neurodecode.Tests', 'Golden', 'metrics')


def num(v):
    v = float(v)
    return None if math.isnan(v) else v


def noisy_predictions(rng, y_true, n_classes, accuracy):
    """Predictions that equal y_true with probability `accuracy`, else a random class; probs peaked on them."""
    y_pred = np.where(rng.rand(len(y_true)) < accuracy, y_true, rng.randint(0, n_classes, len(y_true)))
    logits = rng.randn(len(y_true), n_classes)
    logits[np.arange(len(y_true)), y_pred] += 2.0
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y_pred, probs


def cases():
    rng = np.random.RandomState(20240611)

    y = rng.randint(0, 2, 60)
    y_pred, probs = noisy_predictions(rng, y, 2, 0.6)
    yield 'binary_random', y, probs.argmax(axis=1), probs, 2

    # Scores on a 0.1 grid: many tied thresholds (ROC and precision-recall curves must group them).
    y = rng.randint(0, 2, 80)
    p1 = np.clip(np.round(0.5 + 0.3 * (y - 0.5) + 0.25 * rng.randn(80), 1), 0.0, 1.0)
    probs = np.stack([1 - p1, p1], axis=1)
    yield 'binary_ties', y, (p1 > 0.5).astype(int), probs, 2

    y = rng.randint(0, 4, 120)
    y_pred, probs = noisy_predictions(rng, y, 4, 0.5)
    yield 'multiclass_random', y, y_pred, probs, 4

    # Class 3 occurs in y_true but is never predicted.
    y = rng.randint(0, 4, 90)
    y_pred, _ = noisy_predictions(rng, y, 4, 0.5)
    y_pred[y_pred == 3] = 0
    yield 'class_never_predicted', y, y_pred, None, 4

    # Class 2 is predicted but never occurs in y_true (sklearn's balanced accuracy leaves it out).
    y = rng.choice([0, 1, 3], 70)
    y_pred, _ = noisy_predictions(rng, y, 4, 0.5)
    yield 'class_absent_from_y_true', y, y_pred, None, 4

    y = rng.randint(0, 4, 40)
    yield 'perfect_multiclass', y, y.copy(), None, 4

    y = rng.randint(0, 2, 30)
    probs = np.stack([1.0 - y * 0.9 - 0.05, y * 0.9 + 0.05], axis=1)
    yield 'perfect_binary', y, y.copy(), probs, 2

    # Every window of one class: ROC AUC undefined, kappa 0 against mixed predictions.
    y = np.zeros(25, dtype=int)
    p1 = rng.rand(25)
    yield 'binary_one_class', y, (p1 > 0.5).astype(int), np.stack([1 - p1, p1], axis=1), 2

    # One class, predicted perfectly: kappa is 0/0 (NaN in sklearn).
    y = np.ones(12, dtype=int)
    yield 'one_class_perfect', y, y.copy(), None, 2


def expected(y, y_pred, probs, n_classes):
    labels = list(range(n_classes))
    p, r, f, s = precision_recall_fscore_support(y, y_pred, labels=labels, average=None, zero_division=0)
    out = {
        'balanced_accuracy': num(balanced_accuracy_score(y, y_pred)),
        'cohen_kappa': num(cohen_kappa_score(y, y_pred)),
        'f1_weighted': num(f1_score(y, y_pred, average='weighted')),
        'confusion_matrix': confusion_matrix(y, y_pred, labels=labels).tolist(),
        'precision': [num(v) for v in p],
        'recall': [num(v) for v in r],
        'f1': [num(v) for v in f],
        'support': [int(v) for v in s],
        'auroc': None,
        'average_precision': None,
    }
    if n_classes == 2 and probs is not None:
        if len(np.unique(y)) == 2:
            out['auroc'] = num(roc_auc_score(y, probs[:, 1]))
        out['average_precision'] = num(average_precision_score(y, probs[:, 1]))
    return out


def main():
    import warnings
    warnings.simplefilter('ignore')  # the edge cases warn by design
    os.makedirs(OUT, exist_ok=True)
    for name, y, y_pred, probs, n_classes in cases():
        doc = {
            'source': 'tools/make_metrics_golden.py',
            'versions': {'sklearn': sklearn.__version__, 'numpy': np.__version__},
            'case': name,
            'n_classes': n_classes,
            'y_true': [int(v) for v in y],
            'y_pred': [int(v) for v in y_pred],
            'probs': None if probs is None else [[float(v) for v in row] for row in probs],
            'expected': expected(y, y_pred, probs, n_classes),
        }
        with open(os.path.join(OUT, name + '.json'), 'w') as fh:
            # one top-level key per line, values compact
            fh.write('{\n' + ',\n'.join(f' {json.dumps(k)}: {json.dumps(v)}' for k, v in doc.items()) + '\n}\n')
        e = doc['expected']
        print(f"{name}: bacc={e['balanced_accuracy']} kappa={e['cohen_kappa']} f1w={e['f1_weighted']} "
              f"auroc={e['auroc']} ap={e['average_precision']}")


if __name__ == '__main__':
    main()
