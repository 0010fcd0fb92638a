#!/usr/bin/env python3
"""Times pandas + openpyxl reading an XLSX (what `comptoir-cli bench import` compares
with): python3 scripts/bench_pandas_read.py FILE.xlsx. Needs `pip install pandas openpyxl`.
Prints rows, seconds and peak resident memory (ru_maxrss) of this process."""
import resource
import sys
import time

import pandas as pd

path = sys.argv[1]
t = time.perf_counter()
df = pd.read_excel(path, engine="openpyxl", dtype={"EAN": str})
elapsed = time.perf_counter() - t
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"pandas {pd.__version__} + openpyxl: {len(df)} lignes lues en {elapsed:.2f} s "
      f"({len(df) / elapsed:.0f} lignes/s), pic {peak_mb:.0f} Mo")
