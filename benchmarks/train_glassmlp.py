"""Full four-phase GlassMLP training (paper schedule, early stopping) on 100 configurations x 600
particles x 256 descriptors (synthetic: the label is a nonlinear function of two descriptor
combinations plus noise, positions uniform in a KA2D-sized box), validation on 30 more.
Prints the epochs per phase and rho_P on 30 test configurations; last line train_seconds
(target <= 300 on 2 cores).
"""
import time

import numpy as np
import torch

from glassdyn.learn import GlassMLP, mean_pearson


def data(rng, S, N=600, M=256, L=32.9):
    w1, w2 = rng.normal(size=M) / np.sqrt(M), rng.normal(size=M) / np.sqrt(M)
    X, y, pos = [], [], []
    for _ in range(S):
        x = rng.normal(size=(N, M))
        X.append(x)
        y.append(np.tanh(2 * x @ w1) + 0.5 * (x @ w2) ** 2 + 0.2 * rng.normal(size=N))
        pos.append(rng.uniform(0, L, (N, 2)))
    return X, y, pos


def main():
    torch.set_num_threads(2)
    # one draw of w1, w2 and 160 configurations: 100 train, 30 validation, 30 test
    full = data(np.random.default_rng(0), 160)
    train = [v[:100] for v in full]
    val = [v[100:130] for v in full]
    test = [v[130:] for v in full]
    t = time.perf_counter()
    model = GlassMLP(seed=0).fit(train[0], train[1], val[0], val[1], train[2], val[2], box=[32.9, 32.9])
    seconds = time.perf_counter() - t
    epochs = [sum(1 for h in model.history_ if h["phase"] == p) for p in (1, 2, 3, 4)]
    rho = mean_pearson(model.predict(test[0]), test[1])
    print(f"epochs per phase {epochs}; test rho_P = {rho:.3f}")
    print(f"train_seconds={seconds:.1f}")


if __name__ == "__main__":
    main()
