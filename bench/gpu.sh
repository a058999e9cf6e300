#!/usr/bin/env bash
# The checks for a lent CUDA GPU machine, in one call: the test suite on the GPU (torch and
# JAX) and the benchmark (bench/run.py, one round). Everything it writes goes to OUTDIR:
#   environment.txt   nvidia-smi, versions, where lamina puts tensors
#   torch-tests.log   the suite with LAMINA_BACKEND=torch (tensors on cuda)
#   jax-tests.log     the suite with LAMINA_BACKEND=jax (arrays on the GPU)
#   syncs.txt         where lamina's torch fit / predict wait for the GPU (bench/gpu_syncs.py)
#   checks.txt        the GPU-only fast paths work and train as the plain ones (gpu_checks.py)
#   profile.txt       per workload: lamina's torch step against the native one (kernel
#                     launches, copies, syncs, operator counts; bench/gpu_profile.py)
#   gpu.json, GPU.md  the benchmark records and their report (copy gpu.json to
#                     bench/results/gpu.json here; `python bench/report.py` adds its GPU
#                     section to BENCHMARKS.md)
# Nothing is installed: lamina runs from src/ (PYTHONPATH); Keras 3 and its two missing
# dependencies travel as wheels in .whl/ when the machine lacks them (see README, GPU).
#
# Usage: bench/gpu.sh OUTDIR [phase ...]  phases: env checks torch-tests bench jax-tests syncs
#   profile
# TEST_PATHS picks tests; BENCH_ARGS adds bench/run.py arguments (e.g. "--update --impls
# lamina native" after copying bench/results/gpu.json to OUTDIR/gpu.json).
# Each phase has a time cap (seconds; TORCH_TESTS_S, BENCH_S, JAX_TESTS_S) so that the
# whole call fits a lease; a stopped phase still leaves its log.
set -u
out=${1:?usage: bench/gpu.sh OUTDIR [phase ...]}
shift
phases=${*:-env torch-tests bench jax-tests}
mkdir -p "$out"
py=${PYTHON:-python3}
if ls .whl/*.whl >/dev/null 2>&1 && ! KERAS_BACKEND=torch $py -c "import keras" 2>/dev/null; then
    $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
# Several test processes share the GPU: JAX must not take 75% of its memory in each.
export XLA_PYTHON_CLIENT_PREALLOCATE=false

tests() {  # tests BACKEND SECONDS: the default suite on the GPU, exact float32 arithmetic
    NVIDIA_TF32_OVERRIDE=0 JAX_DEFAULT_MATMUL_PRECISION=highest LAMINA_BACKEND=$1 \
        timeout -s INT -k 15 "$2" $py -m pytest -q -n "${TEST_WORKERS:-8}" -m "not slow" \
        -p no:cacheprovider -rfE --tb=short ${TEST_PATHS:-tests} 2>&1 | tee "$out/$1-tests.log" | tail -n 3
}

for phase in $phases; do
    start=$(date +%s)
    case $phase in
    env)
        { nvidia-smi; $py --version
          $py -c "import torch, jax; print('torch', torch.__version__, torch.cuda.is_available(),
torch.version.cuda, torch.backends.cudnn.version()); print('jax', jax.__version__, jax.devices())"
          for b in torch jax; do
              LAMINA_BACKEND=$b $py -c "import lamina, numpy as np
m = lamina.Sequential([lamina.Input((4,)), lamina.layers.Dense(2)])
m.compile('adam', 'mse'); m.fit(np.ones((8, 4)), np.ones((8, 2)), verbose=0)
print('$b: lamina', lamina.__version__, 'kernel on', getattr(m.weights[0].value, 'device',
      getattr(m.weights[0].value, 'devices', lambda: '?')()))"
          done; } > "$out/environment.txt" 2>&1
        tail -n 4 "$out/environment.txt" ;;
    torch-tests) tests torch "${TORCH_TESTS_S:-120}" ;;
    jax-tests) tests jax "${JAX_TESTS_S:-130}" ;;
    bench)
        timeout -s INT -k 15 "${BENCH_S:-330}" $py bench/run.py --repeats 1 --exact-rounds \
            --skip-imports --run-timeout 90 --results "$out/gpu.json" --output "$out/GPU.md" ${BENCH_ARGS:-} \
            2>&1 | tee "$out/bench.log" | grep -v "^import" | cut -c1-150 ;;
    checks) for b in torch jax; do LAMINA_BACKEND=$b timeout 150 $py bench/gpu_checks.py; done \
               2>&1 | tee "$out/checks.txt" | grep -E "^(PASS|FAIL)" | cut -c1-200 ;;
    profile) LAMINA_BACKEND=torch timeout "${PROFILE_S:-240}" $py bench/gpu_profile.py \
                 ${PROFILE_WORKLOADS:-} 2>&1 | tee "$out/profile.txt" | grep -v "^USDT" | cut -c1-160 ;;
    syncs) LAMINA_BACKEND=torch timeout -s INT 120 $py bench/gpu_syncs.py 2>&1 \
               | tee "$out/syncs.txt" | grep -E "^(mlp|lstm|profile|   )" | cut -c1-200 ;;
    *) echo "unknown phase $phase" ;;
    esac
    echo "== $phase: $(( $(date +%s) - start )) s"
done
