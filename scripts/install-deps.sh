#!/usr/bin/env bash
# Installs the system packages hfrnn needs (OpenBLAS, HDF5, pkg-config) if any is missing, and with
# --test also h5py, which the tests use to check that Python users read hfrnn's files as documented,
# and with --mpi Open MPI (libopenmpi-dev, openmpi-bin) for the optional MPI build (docs/mpi.md).
# Runs apt-get only when something is missing, so repeated `make` calls stay fast.
set -euo pipefail
needed=(libopenblas-dev libhdf5-dev pkg-config)
for option in "$@"; do
    case "$option" in
        --test) needed+=(python3-h5py) ;;
        --mpi) needed+=(libopenmpi-dev openmpi-bin) ;;
        *) echo "install-deps.sh: unknown option $option" >&2; exit 64 ;;
    esac
done
missing=()
for package in "${needed[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if ((${#missing[@]} == 0)); then exit 0; fi
echo "installing system packages: ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
