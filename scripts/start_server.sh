# Sourced by scripts/wrk.sh and scripts/soak.sh: start_server MODE starts "$server_bin" MODE
# "$PORT" pinned to CPU $SERVER_CPU with $WORKERS tokio workers, sets server_pid, and returns once
# the port accepts connections (5 s at most, then the script exits).
start_server() {
  TOKIO_WORKER_THREADS=$WORKERS taskset -c "$SERVER_CPU" "$server_bin" "$1" "$PORT" &
  server_pid=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "server $1 did not start" >&2
  exit 1
}
