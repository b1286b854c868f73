#!/usr/bin/env bash
# A root filesystem for Courier's image where no container registry is reachable (so eclipse-temurin cannot be
# pulled): a Java runtime cut by jlink from the local JDK, plus the C libraries it links against, copied from this
# machine. Jib then builds the image on it from scratch:
#   deploy/image/offline-base.sh cli/target/image-rootfs
#   mvn -B -Pimage -pl cli -am package -DskipTests -Djib.from.image=scratch -Dimage.rootfs=target/image-rootfs
# deploy/image/run-image.sh cli/target/jib-image.tar --version   runs the result without a container engine.
set -euo pipefail
rootfs=$(realpath -m "${1:?usage: offline-base.sh ROOTFS_DIR}")
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
rm -rf "$rootfs"
mkdir -p "$rootfs/opt/java" "$rootfs/tmp" "$rootfs/etc"
# The modules Courier and its libraries use (jdeps over the CLI's classpath, plus TLS/SASL and JMX providers).
modules=java.base,java.compiler,java.desktop,java.instrument,java.logging,java.management,java.naming,java.net.http
modules+=,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,java.transaction.xa
modules+=,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.management,jdk.naming.dns,jdk.security.auth,jdk.unsupported,jdk.zipfs
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$rootfs/opt/java/openjdk"
# Every shared library the runtime's binaries and libraries need, at the same path as here, and the loader.
{ find "$rootfs/opt/java/openjdk" -name '*.so' -o -path '*/bin/*' -type f; } | while read -r f; do
  ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | grep -v "^$rootfs" || true
done | sort -u | while read -r lib; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
# Name resolution for localhost and a user for uid 1000 (the image runs as 1000:1000).
printf '127.0.0.1 localhost\n::1 localhost\n' > "$rootfs/etc/hosts"
printf 'root:x:0:0::/root:/bin/false\ncourier:x:1000:1000::/tmp:/bin/false\n' > "$rootfs/etc/passwd"
printf 'hosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
echo "rootfs: $rootfs ($(du -sh "$rootfs" | cut -f1)), java $("$rootfs/opt/java/openjdk/bin/java" -version 2>&1 | head -1)"
