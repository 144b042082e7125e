#!/usr/bin/env bash
# Builds the AgentRag server image from deploy/Dockerfile with buildah (or podman).
#
#   deploy/build-image.sh [--offline | --online] [--tag NAME]      default tag: localhost/agentrag:dev
#
# --online (the default where the official images can be pulled): BASE_IMAGE and SDK_IMAGE keep their defaults
#   (mcr.microsoft.com/dotnet/aspnet:10.0 and sdk:10.0) and the SDK stage publishes the app.
# --offline (chosen automatically when mcr.microsoft.com cannot be reached, as on the development machines, which reach
#   only the Debian, NuGet and npm registries):
#   1. mmdebstrap makes a Debian 12 root filesystem from the Debian mirror (the host's apt sources) with the packages the
#      runtime stage installs, and copies in the host's .NET and ASP.NET Core shared runtimes (the same files the official
#      ASP.NET image carries under /usr/share/dotnet); it is imported as localhost/agentrag-base:bookworm-dotnet<version>
#      and rebuilt only when missing;
#   2. `dotnet publish` runs on the host into deploy/.publish (framework-dependent, linux-x64);
#   3. the Dockerfile is built with BASE_IMAGE=that base and APP_SOURCE=prebuilt, so the SDK image is never needed.
# Runs as root (buildah with --isolation chroot and the vfs storage driver works without a container runtime daemon).
# Exit codes: 0 built, 1 a step failed, 2 bad arguments or a missing prerequisite.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mode=auto
tag=localhost/agentrag:dev
while [ $# -gt 0 ]; do
  case "$1" in
    --offline) mode=offline ;;
    --online) mode=online ;;
    --tag) [ $# -ge 2 ] || { echo "build-image.sh: --tag needs a value." >&2; exit 2; }; tag=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "build-image.sh: unknown argument '$1' (use --offline, --online or --tag NAME)." >&2; exit 2 ;;
  esac
  shift
done

# --- the builder -----------------------------------------------------------------------------------------------------
install_package() { # install_package <command> <debian package>
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "build-image.sh: installing $2…" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
  command -v "$1" >/dev/null 2>&1 || { echo "build-image.sh: '$1' is missing: apt-get install $2" >&2; exit 2; }
}
if command -v buildah >/dev/null 2>&1 || ! command -v podman >/dev/null 2>&1; then
  install_package buildah buildah
  builder=(buildah --storage-driver vfs)
  bud=("${builder[@]}" bud --isolation chroot --format docker --layers=false)
else
  builder=(podman)
  bud=(podman build --format docker)
fi

if [ "$mode" = auto ]; then
  if curl -fsS --max-time 5 -o /dev/null https://mcr.microsoft.com/v2/ 2>/dev/null; then mode=online; else mode=offline; fi
  echo "build-image.sh: $mode build (mcr.microsoft.com $([ $mode = online ] && echo reachable || echo unreachable))." >&2
fi

version=$(git describe --tags --always 2>/dev/null || echo dev)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
labels=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$created")

if [ "$mode" = online ]; then
  "${bud[@]}" "${labels[@]}" -f deploy/Dockerfile -t "$tag" .
  echo "build-image.sh: built $tag (official base images)." >&2
  exit 0
fi

# --- offline: a Debian base with the host's ASP.NET Core runtime ------------------------------------------------------
[ "$(id -u)" = 0 ] || { echo "build-image.sh: the offline build runs as root (mmdebstrap and buildah's chroot isolation)." >&2; exit 2; }
install_package mmdebstrap mmdebstrap
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
aspnet_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" && $2 ~ /^10\./ { v = $2 } END { print v }')
netcore_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" && $2 ~ /^10\./ { v = $2 } END { print v }')
[ -n "$aspnet_version" ] && [ -n "$netcore_version" ] \
  || { echo "build-image.sh: the host has no .NET 10 and ASP.NET Core 10 runtime to copy into the base (dotnet --list-runtimes)." >&2; exit 2; }
base=localhost/agentrag-base:bookworm-dotnet$aspnet_version
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}

if ! "${builder[@]}" inspect --type image "$base" >/dev/null 2>&1; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/agentrag-base.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  echo "build-image.sh: making the Debian 12 base from $mirror (once)…" >&2
  # The runtime's native dependencies (as in the official image) and what the Dockerfile installs, so its apt step only
  # confirms them. The host's shared runtimes are copied to /usr/share/dotnet, as in the official image.
  mmdebstrap --variant=apt --quiet \
    --include=ca-certificates,libc6,libgcc-s1,libicu72,libssl3,libstdc++6,tzdata,zlib1g,poppler-utils,tesseract-ocr,tesseract-ocr-eng,curl \
    --customize-hook="mkdir -p \"\$1/usr/share/dotnet/host/fxr\" \"\$1/usr/share/dotnet/shared/Microsoft.NETCore.App/$netcore_version\" \"\$1/usr/share/dotnet/shared/Microsoft.AspNetCore.App/$aspnet_version\"" \
    --customize-hook="copy-in $dotnet_root/dotnet $dotnet_root/LICENSE.txt $dotnet_root/ThirdPartyNotices.txt /usr/share/dotnet" \
    --customize-hook="sync-in $dotnet_root/host/fxr /usr/share/dotnet/host/fxr" \
    --customize-hook="sync-in $dotnet_root/shared/Microsoft.NETCore.App/$netcore_version /usr/share/dotnet/shared/Microsoft.NETCore.App/$netcore_version" \
    --customize-hook="sync-in $dotnet_root/shared/Microsoft.AspNetCore.App/$aspnet_version /usr/share/dotnet/shared/Microsoft.AspNetCore.App/$aspnet_version" \
    --customize-hook='ln -s /usr/share/dotnet/dotnet "$1/usr/bin/dotnet"' \
    --customize-hook='rm -rf "$1/var/lib/apt/lists/"* "$1/var/cache/apt/"*' \
    bookworm "$work/rootfs.tar" "deb $mirror bookworm main" "deb $mirror bookworm-updates main"
  container=$("${builder[@]}" from scratch)
  "${builder[@]}" add "$container" "$work/rootfs.tar" / >/dev/null
  "${builder[@]}" config --env DOTNET_ROOT=/usr/share/dotnet --env "DOTNET_VERSION=$netcore_version" \
    --env "ASPNET_VERSION=$aspnet_version" --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --label "org.opencontainers.image.description=Debian 12 from $mirror with the .NET $netcore_version and ASP.NET Core $aspnet_version runtimes" \
    "$container"
  "${builder[@]}" commit --quiet "$container" "$base" >/dev/null
  "${builder[@]}" rm "$container" >/dev/null
  rm -rf "$work"
  trap - EXIT
fi

# --- offline: publish on the host, then build the Dockerfile's runtime stage over the local base ----------------------
echo "build-image.sh: dotnet publish → deploy/.publish…" >&2
rm -rf deploy/.publish
dotnet publish src/AgentRag.App/AgentRag.App.csproj -c Release -r linux-x64 --no-self-contained -p:UseAppHost=false \
  -o deploy/.publish --nologo -v quiet -clp:NoSummary
"${bud[@]}" "${labels[@]}" --build-arg "BASE_IMAGE=$base" --build-arg APP_SOURCE=prebuilt -f deploy/Dockerfile -t "$tag" .
echo "build-image.sh: built $tag over $base." >&2
