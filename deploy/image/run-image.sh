#!/usr/bin/env bash
# Runs a container image saved by Jib (target/jib-image.tar, `docker load` format) where there is no container
# engine: unpacks its layers in order into a temporary root, mounts /proc, and runs the image's entrypoint with
# ARGS (or its default args) as its user, in its working directory, with its environment. Needs root (chroot).
#   deploy/image/run-image.sh cli/target/jib-image.tar --version
set -euo pipefail
tarball=$(realpath "${1:?usage: run-image.sh IMAGE.tar [ARGS...]}")
shift
root=$(mktemp -d /tmp/courier-image.XXXXXX)
trap 'umount "$root/rootfs/proc" 2>/dev/null || true; rm -rf "$root"' EXIT
mkdir -p "$root/image" "$root/rootfs"
tar --warning=no-unknown-keyword -xf "$tarball" -C "$root/image"
for layer in $(jq -r '.[0].Layers[]' "$root/image/manifest.json"); do
  tar --warning=no-unknown-keyword -xzf "$root/image/$layer" -C "$root/rootfs"
done
config="$root/image/$(jq -r '.[0].Config' "$root/image/manifest.json")"
mapfile -t entrypoint < <(jq -r '.config.Entrypoint[]' "$config")
mapfile -t env < <(jq -r '.config.Env[]?' "$config")
workdir=$(jq -r '.config.WorkingDir // "/"' "$config")
user=$(jq -r '.config.User // "0:0"' "$config")
if [ $# -eq 0 ]; then mapfile -t args < <(jq -r '.config.Cmd[]?' "$config"); else args=("$@"); fi
mkdir -p "$root/rootfs/proc" "$root/rootfs$workdir"
mount -t proc proc "$root/rootfs/proc"
env -i "${env[@]}" unshare --root="$root/rootfs" --wd="$workdir" --setuid="${user%%:*}" --setgid="${user##*:}" \
  "${entrypoint[@]}" "${args[@]}" || status=$?
exit "${status:-0}"
