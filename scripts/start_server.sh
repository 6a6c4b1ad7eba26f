# Sourced by scripts/wrk.sh and scripts/soak.sh: start_server MODE starts "$server_bin" MODE
# "$PORT" pinned to CPU $SERVER_CPU with $WORKERS tokio workers, sets server_pid, and returns once
# the port accepts connections from that server (the script exits otherwise).
#
# The scripts' default ports (28080, 28090) lie below Linux's ephemeral range (32768 to 60999 by
# default): a port inside it can be held for a moment as the local end of any outgoing
# connection on the machine, and the server's bind then fails (a CI run saw "Address already in
# use" on 38090). A server that exits before it accepts is started again, three times at most.
start_server() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "port $PORT already accepts connections: another server holds it; set PORT" >&2
    exit 1
  fi
  local attempt
  for attempt in 1 2 3; do
    TOKIO_WORKER_THREADS=$WORKERS taskset -c "$SERVER_CPU" "$server_bin" "$1" "$PORT" &
    server_pid=$!
    for _ in $(seq 100); do
      if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
      if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
      sleep 0.05
    done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "server $1 did not accept on port $PORT within 5 s" >&2
      exit 1 # the scripts' exit trap stops it
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    echo "server $1 exited before accepting on port $PORT (attempt $attempt of 3)" >&2
    sleep 1
  done
  echo "server $1 did not start" >&2
  exit 1
}
