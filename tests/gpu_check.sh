#!/usr/bin/env bash
# The GPU check: `make gpu-check BUDGET=<seconds>` on a machine with a CUDA GPU, PyTorch,
# numpy, pandas and matplotlib, but no network and no Jupyter.
#
# 1. a virtual environment that sees the machine's packages (--system-site-packages) gets
#    the rest from the wheel folder .whl/ (prepared beforehand with `make wheels`), offline;
# 2. the CUDA tests: pytest -m cuda tests/test_cuda.py;
# 3. the notebooks, as `make colab-test` runs them (each alone in an empty folder, its
#    first cell installing covtut[book], here from .whl/ with pip offline), in the order
#    below, while the budget lasts; each one's time and device, and those not run.
#
# Environment: PYTHON (default python3), WHL (default .whl), BUDGET (seconds, default 600),
# GPU_CHECK_ALLOW_CPU=1 to run it without a GPU (to test this script).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUDGET=${1:-${BUDGET:-600}}
PYTHON=${PYTHON:-python3}
WHL=$(cd "${WHL:-.whl}" 2>/dev/null && pwd) || { echo "gpu-check: no wheel folder ${WHL:-.whl}: run \`make wheels\` where there is a network"; exit 2; }
# The order: the reader's first chapter first (its setup cell installs covtut), then those whose code
# paths differ most on a GPU: the custom gated cell, masked attention, autoregressive
# decoding; the rest after.
ORDER=${GPU_NOTEBOOKS:-"00_getting_started 06_gated_gru 05_attention 07_encoder_decoder 08_day_ahead_demand 09_retail 10_benchmark 11_production 04_conditioning_state 03_embeddings 02_naive_concatenation 01_covariates_and_shapes"}
start=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - start) )); }
export PYTHONUNBUFFERED=1 PIP_NO_INDEX=1 PIP_FIND_LINKS="$WHL" PIP_DISABLE_PIP_VERSION_CHECK=1

"$PYTHON" - <<'EOF' || exit 2
import torch, numpy, pandas, matplotlib
print(f"== torch {torch.__version__} (CUDA {torch.version.cuda}), numpy {numpy.__version__}, "
      f"pandas {pandas.__version__}, matplotlib {matplotlib.__version__}")
print("== GPU:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")
EOF
if ! "$PYTHON" -c "import torch, sys; sys.exit(not torch.cuda.is_available())"; then
  if [ "${GPU_CHECK_ALLOW_CPU:-0}" != 1 ]; then
    echo "gpu-check: torch sees no CUDA GPU here (GPU_CHECK_ALLOW_CPU=1 runs it anyway)"; exit 2
  fi
  echo "== no GPU: running on the CPU (GPU_CHECK_ALLOW_CPU=1); the CUDA tests will skip"
fi

TMP=$(mktemp -d /tmp/covtut-gpu-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ENV="$TMP/env"
"$PYTHON" -m venv --system-site-packages "$ENV" 2>/dev/null \
  || "$PYTHON" -m venv --system-site-packages --without-pip "$ENV" || exit 2
PY="$ENV/bin/python"
# the machine's packages stay visible even where its python is itself a virtual environment
"$PYTHON" -c "import site; print('\n'.join(site.getsitepackages() + [site.getusersitepackages()]))" \
  > "$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/machine-packages.pth"
"$PY" -m pip install --quiet pytest hypothesis pyyaml nbclient nbformat ipykernel \
  || { echo "gpu-check: installing the tools from $WHL failed"; exit 2; }
echo "== tools installed from $WHL after $(( $(date +%s) - start )) s"

status=0
echo "== CUDA tests"
"$PY" -m pytest -m cuda tests/test_cuda.py -p no:randomly -q -rs || status=1
echo "== CUDA tests done after $(( $(date +%s) - start )) s; $(left) s of the budget left"

wheel=$(ls "$WHL"/covtut-*.whl 2>/dev/null | head -1)
[ -n "$wheel" ] || { echo "gpu-check: no covtut wheel in $WHL: run \`make wheels\`"; exit 2; }
notebooks=()
for name in $ORDER; do notebooks+=("book/$name.ipynb"); done
"$PY" tests/colab/run_notebooks.py --python "$PY" --source "file://$wheel" \
  --budget "$(left)" --adaptive "${notebooks[@]}" || status=1
echo "== gpu-check done after $(( $(date +%s) - start )) s (budget $BUDGET s)"
exit $status
