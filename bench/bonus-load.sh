#!/usr/bin/env bash
# Question: how many SendBonus calls per second does Hitbank commit on its default store
# (SQLite, WAL, synchronous=FULL), relative to GetAccountBalance (a signed read) in the same run?
# Runs a fresh server, replays one signed request with wrk (8 connections, 2 threads) for
# SECONDS each, then checks the ledger. Needs wrk and Debian's python3-botocore.
# Usage: bench/bonus-load.sh [SECONDS]   (default 10)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-10}"
work="$(mktemp -d)"
port=18377
hitbank() { "$here/bin/hitbank" "$@" --data-dir "$work/data"; }
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$here/bin/hitbank" serve --data-dir "$work/data" --port $port > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 1; done
creds="$(hitbank requester create --name bench)"
export AWS_ACCESS_KEY_ID="$(awk '/aws_access_key_id/ {print $3}' <<<"$creds")"
export AWS_SECRET_ACCESS_KEY="$(awk '/aws_secret_access_key/ {print $3}' <<<"$creds")"
hitbank deposit --requester "$AWS_ACCESS_KEY_ID" --amount 1000000 > /dev/null
worker="$(hitbank worker create --name bench)"
worker_id="$(awk '/WorkerId/ {print $3}' <<<"$worker")"
worker_secret="$(awk '/WorkerSecret/ {print $3}' <<<"$worker")"
ep="http://127.0.0.1:$port"
hit_id="$(/usr/bin/python3 - "$ep" <<'PY'
import sys, boto3
c = boto3.client("mturk", endpoint_url=sys.argv[1], region_name="us-east-1")
q = ('<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
     '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.com/</ExternalURL>'
     '<FrameHeight>400</FrameHeight></ExternalQuestion>')
print(c.create_hit(Title="bench", Description="bench", Reward="0.10", MaxAssignments=1,
                   LifetimeInSeconds=3600, AssignmentDurationInSeconds=600,
                   Question=q)["HIT"]["HITId"])
PY
)"
assignment_id="$(curl -s -u "$worker_id:$worker_secret" -X POST "$ep/worker/api/hits/$hit_id/accept" \
  | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["AssignmentId"])')"
curl -s -o /dev/null -u "$worker_id:$worker_secret" -X POST \
  "$ep/worker/api/assignments/$assignment_id/submit" -H 'Content-Type: application/json' \
  -d '{"Answers": {"q": "a"}}'

/usr/bin/python3 "$here/bench/sign.py" "$ep" GetAccountBalance '{}' > "$work/balance.lua"
/usr/bin/python3 "$here/bench/sign.py" "$ep" SendBonus "{\"WorkerId\": \"$worker_id\", \
\"AssignmentId\": \"$assignment_id\", \"BonusAmount\": \"0.01\", \"Reason\": \"bench\"}" \
  > "$work/bonus.lua"
rate() { wrk -t2 -c8 -d"${seconds}s" -s "$1" "$ep/" | awk '/Requests\/sec/ {print $2}'; }
rate "$work/balance.lua" > /dev/null   # warm-up
balance_rate="$(rate "$work/balance.lua")"
bonus_rate="$(rate "$work/bonus.lua")"
paid="$(/usr/bin/python3 - "$ep" "$assignment_id" <<'PY'
import sys, boto3
c = boto3.client("mturk", endpoint_url=sys.argv[1], region_name="us-east-1")
n, token = 0, None
while True:
    page = c.list_bonus_payments(AssignmentId=sys.argv[2], MaxResults=100,
                                 **({"NextToken": token} if token else {}))
    n += len(page["BonusPayments"])
    token = page.get("NextToken")
    if not page["BonusPayments"] or not token:
        break
print(n)
PY
)"
echo "store: SQLite (WAL, synchronous=FULL); wrk 2 threads x 8 connections, ${seconds}s each"
echo "GetAccountBalance/s: $balance_rate"
echo "SendBonus/s:         $bonus_rate  (bonuses listed afterwards: $paid)"
awk -v a="$bonus_rate" -v b="$balance_rate" 'BEGIN {printf "ratio SendBonus/GetAccountBalance: %.3f\n", a / b}'
hitbank check
