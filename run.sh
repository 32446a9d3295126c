#!/usr/bin/env bash
# The main job: VisionZip on a default LLaVA-1.5-shaped workload on this
# machine's Vulkan device. Installs what is missing and builds first.
# Arguments go to `vtc demo` (e.g. ./run.sh --images 5 --png grid.png).
set -eu
root=$(cd "$(dirname "$0")" && pwd)
"$root/tools/install-deps.sh"
"$root/tools/build.sh" "$root/build"
exec "$root/build/host/vtc" demo "$@"
