#!/usr/bin/env bash
# The whole story on a fresh machine: a local Dograh sandbox, then validate, plan and
# apply the manifests of campaigns.d/, plan again to show nothing is left to do, and
# show how the campaigns are doing.
# Run by `make demo` after it has installed the tool into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
STATE=.sandbox
READY="$STATE/demo-ready.json"
mkdir -p "$STATE"
rm -f "$READY"

# A fresh sandbox on a free port; its clock is manual, so nothing changes behind the
# demo's back (on a real-time clock a campaign could finish dialing between two plans).
"$BIN/campaigns" sandbox --port 0 --db "$STATE/demo.db" --reset --clock manual \
    --ready-file "$READY" >"$STATE/demo.log" 2>&1 &
SANDBOX=$!
stop_sandbox() { kill "$SANDBOX" 2>/dev/null && wait "$SANDBOX" 2>/dev/null || true; }
trap stop_sandbox EXIT

for _ in $(seq 1 150); do
    [ -s "$READY" ] && break
    kill -0 "$SANDBOX" 2>/dev/null || { cat "$STATE/demo.log"; exit 1; }
    sleep 0.2
done
[ -s "$READY" ] || { echo "the sandbox did not start in 30 s:"; cat "$STATE/demo.log"; exit 1; }

read_ready() { "$BIN/python" -c "import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$READY" "$1"; }
DOGRAH_API_URL=$(read_ready url)
DOGRAH_API_KEY=$(read_ready api_key)
export DOGRAH_API_URL DOGRAH_API_KEY

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
else
    step() { printf '\n$ %s\n' "$*"; }
fi

echo "A Dograh sandbox is serving at $DOGRAH_API_URL (log: $STATE/demo.log)."

step campaigns validate
"$BIN/campaigns" validate

step campaigns plan
code=0
"$BIN/campaigns" plan --detailed-exitcode || code=$?
[ "$code" -eq 2 ] || { echo "expected changes (exit 2), got exit $code"; exit 1; }

step campaigns apply --auto-approve
"$BIN/campaigns" apply --auto-approve

step campaigns plan
"$BIN/campaigns" plan --detailed-exitcode

# The sandbox's clock is manual: one step of it lets Dograh's contact syncs finish, as
# they would a moment after the starts on a real Dograh.
"$BIN/python" - "$DOGRAH_API_URL" "$(read_ready admin_token)" <<'PY'
import sys, urllib.request

request = urllib.request.Request(
    sys.argv[1] + "/_sandbox/clock/advance",
    data=b'{"seconds": 0}',
    headers={"Content-Type": "application/json", "X-Sandbox-Admin-Token": sys.argv[2]},
)
urllib.request.urlopen(request).close()
PY

step campaigns status
"$BIN/campaigns" status

stop_sandbox
trap - EXIT
cat <<TXT

Done: the sandbox is stopped. To try your own changes against one that keeps running:
  .venv/bin/campaigns sandbox          # prints its URL and API key; Ctrl-C stops it
  export DOGRAH_API_URL=http://127.0.0.1:8765 DOGRAH_API_KEY=<the printed key>
  .venv/bin/campaigns plan
TXT
