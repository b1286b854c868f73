#!/usr/bin/env bash
# A real operator session for the README: an outage, then status, dlq list, redrive, replay, redeliver.
set -uo pipefail
dir=${1:-/tmp/ops}
cd "$dir"
C=bin/courier
mkdir -p work
$C cluster start --nodes 3 --dir work/cluster --clean > work/cluster.out 2>&1
bs=$(grep -o 'bootstrap.servers=[^ ]*' work/cluster.out | head -1 | cut -d= -f2)
$C registry --bootstrap-servers "$bs" --port 18081 > work/registry.log 2>&1 &
sleep 8
conn="--bootstrap-servers $bs --registry-url http://localhost:18081"
run() { echo; echo "\$ bin/courier $* \$CONN"; $C "$@" $conn 2>&1 | grep -v ' INFO '; echo "(exit ${PIPESTATUS[0]})"; }
$C tracker $conn --http-port 18090 --ack-timeout-ms 2000 --max-attempts 2 > work/tracker.log 2>&1 &
$C consumer $conn --drop-rate 1 --consumer-id outage-consumer > work/consumer1.log 2>&1 &
c1=$!
sleep 30
echo "# outage: every device unreachable (consumer --drop-rate 1); tracker --max-attempts 2"
start=$(date -u -d '-1 min' +%FT%TZ)
for to in bob carol; do
  run send --from alice --to $to --text "are you there, $to?" | tee -a work/sent.txt
done
sleep 20
id=$(grep -o '^sent [^ ]*' work/sent.txt | head -1 | cut -d' ' -f2)
run status "$id"
run dlq list
kill $c1; wait $c1 2>/dev/null
echo; echo "# the outage is fixed: a consumer with working devices"
$C consumer $conn --consumer-id recovered-consumer > work/consumer2.log 2>&1 &
sleep 20
run redeliver
run dlq redrive
run dlq redrive --execute --rate 10
sleep 8
run status "$id"
run dlq redrive --execute
run replay --recipient bob --from-time "$start"
run replay --recipient bob --from-time "$start" --rate 5 --execute --json
sleep 8
run status "$id" --json
run status no-such-message
echo; echo "\$ bin/courier status $id --bootstrap-servers localhost:1 --registry-url http://localhost:18081 --timeout 3s"
$C status "$id" --bootstrap-servers localhost:1 --registry-url http://localhost:18081 --timeout 3s 2>&1; echo "(exit $?)"
kill $(jobs -p) 2>/dev/null; sleep 5
$C cluster stop --dir work/cluster > /dev/null 2>&1
