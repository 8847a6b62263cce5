#!/usr/bin/env bash
# Profile Llama-3.1-8B and a Llama-3.1-70B-shaped layer on this host's GPU(s).
# usage: tools/profiler/run_all.sh OUT_DIR GPU_TAG [TP...]
#   e.g. tools/profiler/run_all.sh catalog/profiles h100        (TP 1)
#        tools/profiler/run_all.sh catalog/profiles h200 2      (TP 2 through torchrun)
set -u
out=${1:?output directory}; tag=${2:?gpu tag, e.g. h100}; shift 2
tps=${*:-1}
here=$(dirname "$0")
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
status=0
for tp in $tps; do
  for model in llama-3.1-8b llama-3.1-70b; do
    suffix=""; [ "$tp" -gt 1 ] && suffix="-tp$tp"
    file="$out/$tag-$model$suffix.csv"
    echo "== $model TP $tp -> $file"
    if [ "$tp" -gt 1 ]; then
      torchrun --standalone --nproc-per-node "$tp" "$here/profile_gpu.py" --model "$model" --tp "$tp" --out "$file" || status=1
    else
      python3 "$here/profile_gpu.py" --model "$model" --out "$file" || status=1
    fi
  done
done
exit $status
