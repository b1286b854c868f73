#!/usr/bin/env bash
# The README's dashboard picture: a local pipeline (3 KRaft nodes, registry, tracker, a consumer dropping 5% of
# deliveries, gateway), a real Prometheus scraping all four every 2 s, five minutes of messages through the
# gateway, then DashboardSnapshot draws deploy/grafana/courier-dashboard.json from Prometheus into docs/dashboard.png.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/dashboard-session}
C="$root/bin/courier"
rm -rf "$dir" && mkdir -p "$dir"
export COURIER_LOG_DIR="$dir/logs"
$C cluster start --base-port 19092 --dir "$dir/cluster" > "$dir/cluster.out" 2>&1 || { cat "$dir/cluster.out"; exit 1; }
conn="--bootstrap-servers localhost:19092 --registry-url http://localhost:18081"
$C registry --bootstrap-servers localhost:19092 --port 18081 > "$dir/registry.log" 2>&1 &
sleep 10
$C tracker $conn --http-port 18090 > "$dir/tracker.log" 2>&1 &
$C consumer $conn --http-port 18091 --drop-rate 0.05 > "$dir/consumer.log" 2>&1 &
$C gateway $conn --port 18080 --prometheus-url http://localhost:19090 > "$dir/gateway.log" 2>&1 &
cat > "$dir/prometheus.yml" <<YML
global: {scrape_interval: 2s}
scrape_configs:
  - job_name: courier
    static_configs:
      - targets: [localhost:18081, localhost:18090, localhost:18091, localhost:18080]
YML
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" --web.listen-address=:19090 \
  > "$dir/prometheus.log" 2>&1 &
until curl -sf localhost:18080/health > /dev/null; do sleep 2; done
end=$((SECONDS + ${MINUTES:-5} * 60)); i=0
while [ $SECONDS -lt $end ]; do
  curl -s localhost:18080/v1/messages -H 'Content-Type: application/json' \
    -d "{\"conversationId\":\"c-$((i % 20))\",\"senderId\":\"alice\",\"recipients\":[\"u$((i % 50))\",\"u$(((i + 7) % 50))\"],\"payload\":\"hello $i\",\"contentType\":\"text/plain\"}" > /dev/null &
  i=$((i + 1)); sleep 0.05
done
wait_for=20; sleep $wait_for
java -cp "$root/cli/target/classes:$(cat "$root/cli/target/courier.classpath")" dev.courier.harness.DashboardSnapshot \
  "$root/deploy/grafana/courier-dashboard.json" http://localhost:19090 "$(( ${MINUTES:-5} + 1 ))" "$root/docs/dashboard.png"
echo "published $i messages"
kill $(jobs -p) 2>/dev/null; sleep 5
$C cluster stop --dir "$dir/cluster" > /dev/null 2>&1
