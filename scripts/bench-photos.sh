#!/usr/bin/env bash
# Photo pipeline benchmark: `comptoir-cli photos bench` against vipsthumbnail (libvips)
# producing the same two derivatives (main image fitting 1600 px, JPEG q85, metadata
# stripped; 400 px thumbnail) from the same 12 MP corpus, side by side on 2 cores.
# What is measured is the crate comptoir-photos (src-tauri/crates/photos), driven by the
# CLI's `photos bench` (built in release, like what shops run).
#
# Needs: libvips-tools, hyperfine, imagemagick (PSNR reference), and the corpus:
#   bash ../shared/corpus/make-photo-corpus.sh /work/photo-corpus
# Usage: scripts/bench-photos.sh [CORPUS_DIR] [JOBS]      (defaults /work/photo-corpus, 2)
#   RUNS=5 (hyperfine runs per command), CALLGRIND=1 (also count instructions on 4 photos)
set -euo pipefail

CORPUS=${1:-/work/photo-corpus}
JOBS=${2:-2}
RUNS=${RUNS:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

for t in vipsthumbnail hyperfine compare; do
  command -v $t >/dev/null || { echo "missing $t (apt-get install libvips-tools hyperfine imagemagick)" >&2; exit 1; }
done
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS: bash ../shared/corpus/make-photo-corpus.sh $CORPUS" >&2; exit 1; }

(cd "$ROOT" && cargo build --release -q -p comptoir-cli)
CLI=$CARGO_TARGET_DIR/release/comptoir-cli
N=$(ls "$CORPUS"/*.jpg | wc -l)
echo "corpus: $N photos in $CORPUS ($(du -sh "$CORPUS" | cut -f1)), $JOBS jobs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# vipsthumbnail: one process per core (VIPS_CONCURRENCY=1 each), each making both sizes
# of its share of the files; auto-rotation is on by default, [strip] drops metadata.
mkdir -p "$OUT/vips"
cat > "$OUT/vips.sh" <<VIPS
#!/bin/sh
export VIPS_CONCURRENCY=1
vipsthumbnail "\$@" -s 1600 -o "$OUT/vips/%s-main.jpg[Q=85,strip]"
vipsthumbnail "\$@" -s 400 -o "$OUT/vips/%s-thumb.jpg[Q=85,strip]"
VIPS
chmod +x "$OUT/vips.sh"
PER=$(( (N + JOBS - 1) / JOBS ))
VIPS_CMD="ls $CORPUS/*.jpg | xargs -P $JOBS -n $PER $OUT/vips.sh"
OURS_CMD="$CLI photos bench $CORPUS --jobs $JOBS"

echo; echo "== ours, once (photos/s, CPU, peak memory from VmHWM)"
$OURS_CMD
echo; echo "== vipsthumbnail, once (peak memory of one of its processes)"
/usr/bin/time -f "vips: %e s wall, %U s user, %S s sys, max RSS %M KiB (one process)" sh -c "$VIPS_CMD"

echo; echo "== paired runs (hyperfine alternates nothing: both run $RUNS times, same conditions)"
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$OUT/h.json" \
  -n ours "$OURS_CMD" -n vipsthumbnail "sh -c '$VIPS_CMD'" 2>&1 | grep -v "^ *$" || true
python3 - "$OUT/h.json" "$N" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
n = int(sys.argv[2])
o, v = r["ours"], r["vipsthumbnail"]
cpu = lambda x: x["user"] + x["system"]
print(f"ours:          {n/o['median']:.1f} photos/s (median wall {o['median']:.2f} s), CPU {cpu(o):.2f} s")
print(f"vipsthumbnail: {n/v['median']:.1f} photos/s (median wall {v['median']:.2f} s), CPU {cpu(v):.2f} s")
print(f"throughput ratio (wall): {v['median']/o['median']:.2f}x   CPU-time ratio: {cpu(v)/cpu(o):.2f}x")
PY

echo; echo "== PSNR of the 1600 px outputs against a reference downscale"
echo "   (ImageMagick: full decode, auto-orient, Lanczos resize to the same size, kept lossless as PNG)"
$CLI photos bench "$CORPUS" --jobs "$JOBS" --out "$OUT/ours" >/dev/null
python3 - "$CORPUS" "$OUT" <<'PY'
import hashlib, glob, os, subprocess, sys, math
corpus, out = sys.argv[1], sys.argv[2]
ours_all, vips_all = [], []
for f in sorted(glob.glob(os.path.join(corpus, "*.jpg"))):
    sha = hashlib.sha256(open(f, "rb").read()).hexdigest()
    mains = glob.glob(os.path.join(out, "ours", sha[:2], sha + "-*-main.jpg"))
    vips = os.path.join(out, "vips", os.path.splitext(os.path.basename(f))[0] + "-main.jpg")
    if not mains:
        continue
    size = subprocess.run(["identify", "-format", "%wx%h", mains[0]], capture_output=True, text=True).stdout
    ref = os.path.join(out, "ref.png")
    subprocess.run(["convert", f, "-auto-orient", "-filter", "Lanczos", "-resize", size + "!", ref], check=True)
    def psnr(a):
        r = subprocess.run(["compare", "-metric", "PSNR", a, ref, "null:"], capture_output=True, text=True)
        return float(r.stderr.split()[0])
    ours_all.append(psnr(mains[0]))
    if os.path.exists(vips):
        vsize = subprocess.run(["identify", "-format", "%wx%h", vips], capture_output=True, text=True).stdout
        if vsize == size:
            vips_all.append(psnr(vips))
mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
print(f"PSNR ours: mean {mean(ours_all):.2f} dB, min {min(ours_all):.2f} dB over {len(ours_all)} photos")
print(f"PSNR vipsthumbnail: mean {mean(vips_all):.2f} dB over {len(vips_all)} photos")
ours_bytes = sum(os.path.getsize(p) for p in glob.glob(os.path.join(out, "ours", "*", "*-main.jpg")))
vips_bytes = sum(os.path.getsize(p) for p in glob.glob(os.path.join(out, "vips", "*-main.jpg")))
print(f"main images: ours {ours_bytes/1e6:.1f} MB, vipsthumbnail {vips_bytes/1e6:.1f} MB")
PY

if [ "${CALLGRIND:-}" = 1 ]; then
  echo; echo "== instruction counts (callgrind, 4 photos, 1 job; deterministic)"
  mkdir -p "$OUT/cg"; for f in $(ls "$CORPUS"/*.jpg | head -4); do cp "$f" "$OUT/cg/"; done
  valgrind --tool=callgrind --callgrind-out-file="$OUT/ours.cg" "$CLI" photos bench "$OUT/cg" --jobs 1 >/dev/null 2>"$OUT/ours.vg"
  VIPS_CONCURRENCY=1 valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$OUT/vips.cg.%p" \
    sh -c "vipsthumbnail $OUT/cg/*.jpg -s 1600 -o '$OUT/vips/%s-m.jpg[Q=85,strip]'; vipsthumbnail $OUT/cg/*.jpg -s 400 -o '$OUT/vips/%s-t.jpg[Q=85,strip]'" >/dev/null 2>"$OUT/vips.vg"
  ours_ir=$(grep -h "^summary:" "$OUT/ours.cg" | awk '{s+=$2} END {print s}')
  vips_ir=$(grep -h "^summary:" "$OUT"/vips.cg.* | awk '{s+=$2} END {print s}')
  python3 -c "print(f'instructions: ours {$ours_ir/1e9:.2f} G, vipsthumbnail {$vips_ir/1e9:.2f} G, ratio {$vips_ir/$ours_ir:.2f}x')"
fi
