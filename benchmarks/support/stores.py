"""Several campaign stores of one state as one set of configurations (descriptors, labels, noise)."""
import json

import numpy as np

from glassdyn.workflows.campaign import read_store
from glassdyn.workflows.learning import describe_store


def load_stores(paths, label="bond_breaking"):
    """Descriptors (S, N, M), labels (S, T, N), label noise variances (S, T, N), inherent positions
    (S, N, d), types, box, times of several stores of one system, temperature and time grid (exits
    naming the store that differs)."""
    X, Y, V, P, ref = [], [], [], [], None
    for path in paths:
        st = read_store(path)
        key = (json.loads(st["attrs"]["system"])["name"], float(st["attrs"]["temperature"]),
               tuple(np.round(st["label"]["times"], 6)))
        if ref is None:
            ref, types, box = key, st["types"], np.asarray(st["attrs"]["box"], float)
        elif key != ref or not np.array_equal(st["types"], types):
            raise SystemExit(f"{path}: system, temperature, times or species differ from the first store")
        X.append(describe_store(st)[0])
        Y.append(np.asarray(st["label"][label], float))
        V.append(np.asarray(st["label"][label + "_var"], float) / float(st["attrs"]["n_replicas"]))
        P.append(np.asarray(st["inherent"], float))
    return (np.concatenate(X), np.concatenate(Y), np.concatenate(V), np.concatenate(P), types, box,
            st["label"]["times"])
