#!/usr/bin/env bash
# The sage story on the embedded sandbox (README's first command).
# Starts a local stand-in cluster with the sage manifests, shows the pods with kubectl, calls sage
# through its NodePort (it answers "from k8s"), then `kproxy connect`s this machine to the cluster,
# runs a second sage here on the laptop whose quota call reaches the quota pod in the cluster,
# calls the cluster's sage by its cluster name through the proxy, intercepts sage so that the NodePort's
# traffic reaches the laptop's sage ("from local"), leaves the intercept ("from k8s" again), and shuts
# everything down again.
# KPROXY_PROXY_PORT / KPROXY_DNS_PORT pick other ports than 1080 / 10053 if those are taken.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# A private kproxy home, so the demo never touches a sandbox or daemon you run yourself.
export KPROXY_HOME=${KPROXY_HOME:-$(mktemp -d "${TMPDIR:-/tmp}/kproxy-demo.XXXXXX")}
kproxy() { "$root/kproxy" "$@"; }
proxy_port=${KPROXY_PROXY_PORT:-1080}
dns_port=${KPROXY_DNS_PORT:-10053}
sage_pid=
cleanup() {
  if [[ -n $sage_pid ]]; then kill "$sage_pid" 2>/dev/null || true; wait "$sage_pid" 2>/dev/null || true; fi
  kproxy quit >/dev/null 2>&1 || true
  kproxy sandbox down >/dev/null 2>&1 || true
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Start the sandbox cluster with examples/manifests/sage.yaml"
kproxy sandbox up --detach -f examples/manifests/sage.yaml
export KUBECONFIG="$KPROXY_HOME/sandbox/kubeconfig"

step "kubectl get pod -n wjyl-dev"
if command -v kubectl >/dev/null 2>&1; then
  kubectl get pod -n wjyl-dev
  kubectl get svc -n wjyl-dev
else
  echo "(kubectl is not installed here; kproxy's own view instead)"
  kproxy sandbox status
fi

step "curl http://127.0.0.1:30519/v1/usage/test   (sage's NodePort, the cluster's ingress)"
answer=$(curl -sS --max-time 10 -H "Authorization: Bearer demo" http://127.0.0.1:30519/v1/usage/test)
echo "$answer"
case "$answer" in
  *'"data":"from k8s"'*) echo "-> sage answered \"from k8s\"" ;;
  *) echo "demo: sage did not answer \"from k8s\"" >&2; exit 1 ;;
esac

step "kproxy connect -n wjyl-dev   (KUBECONFIG=$KUBECONFIG)"
kproxy connect -n wjyl-dev --proxy-port "$proxy_port" --dns-port "$dns_port"

step "Run sage on this laptop: kproxy run -- java ... SageServer   (PORT=10519, SAGE_DATA=\"from local\")"
# The script itself, not the kproxy() function: $! is then the kproxy JVM, which stops sage with it.
PORT=10519 BIND_ADDRESS=127.0.0.1 SAGE_DATA="from local" \
  "$root/kproxy" run -- java -cp examples/target/classes dev.kproxy.examples.sage.SageServer >"$KPROXY_HOME/sage-local.log" 2>&1 &
sage_pid=$!
for _ in $(seq 1 100); do
  curl -s --noproxy '*' -o /dev/null --max-time 1 http://127.0.0.1:10519/healthz && break
  kill -0 "$sage_pid" 2>/dev/null || { echo "demo: local sage stopped:" >&2; cat "$KPROXY_HOME/sage-local.log" >&2; exit 1; }
  sleep 0.2
done
cat "$KPROXY_HOME/sage-local.log"

step "curl http://127.0.0.1:10519/v1/usage/test   (the laptop's sage; its quota call goes through kproxy)"
answer=$(curl -sS --noproxy '*' --max-time 20 http://127.0.0.1:10519/v1/usage/test)
echo "$answer"
quota_pod=$(sed -n 's/.*"quota":{"service":"quota","pod":"\([^"]*\)".*/\1/p' <<<"$answer")
case "$answer" in
  *'"data":"from local"'*) ;;
  *) echo "demo: the local sage did not answer \"from local\"" >&2; exit 1 ;;
esac
[[ $quota_pod == quota-* ]] || { echo "demo: the local sage did not reach quota in the cluster" >&2; exit 1; }
echo "-> the laptop's sage answered \"from local\"; its call to quota.wjyl-dev:8080 was served by pod $quota_pod in the cluster"

step "curl --socks5-hostname 127.0.0.1:$proxy_port http://sage.wjyl-dev:50100/v1/usage/test   (the cluster's sage, by its cluster name)"
answer=$(curl -sS --max-time 20 --socks5-hostname "127.0.0.1:$proxy_port" http://sage.wjyl-dev:50100/v1/usage/test)
echo "$answer"
case "$answer" in
  *'"data":"from k8s"'*) echo "-> sage in the cluster answered \"from k8s\" over port-forward" ;;
  *) echo "demo: the cluster's sage did not answer \"from k8s\" through the proxy" >&2; exit 1 ;;
esac

step "kproxy intercept sage 10519:50100 -n wjyl-dev   (the cluster's traffic for sage -> the laptop's sage)"
kproxy intercept sage 10519:50100 -n wjyl-dev

step "curl http://127.0.0.1:30519/v1/usage/test   (sage's NodePort again: both replicas now send it to the laptop)"
for _ in 1 2 3 4; do
  answer=$(curl -sS --max-time 20 -H "Authorization: Bearer demo" http://127.0.0.1:30519/v1/usage/test)
  echo "$answer"
  case "$answer" in
    *'"data":"from local"'*) ;;
    *) echo "demo: the NodePort did not reach the laptop's sage" >&2; exit 1 ;;
  esac
done
echo "-> the cluster's ingress answered \"from local\": a breakpoint in the laptop's sage would stop here"

step "kproxy list"
kproxy list

step "kproxy leave sage   (restores deployment/sage exactly)"
kproxy leave sage

step "curl http://127.0.0.1:30519/v1/usage/test   (the cluster's sage again)"
answer=$(curl -sS --max-time 20 -H "Authorization: Bearer demo" http://127.0.0.1:30519/v1/usage/test)
echo "$answer"
case "$answer" in
  *'"data":"from k8s"'*) echo "-> sage answered \"from k8s\" again" ;;
  *) echo "demo: after leave, sage did not answer \"from k8s\"" >&2; exit 1 ;;
esac

step "dig @127.0.0.1 -p $dns_port +short sage.wjyl-dev.svc.cluster.local   (kproxy's DNS)"
if command -v dig >/dev/null 2>&1; then
  dig @127.0.0.1 -p "$dns_port" +short +time=3 +tries=1 sage.wjyl-dev.svc.cluster.local
else
  echo "(dig is not installed here)"
fi

step "kproxy status"
kproxy status

step "Stop the local sage and disconnect: kproxy quit"
kill "$sage_pid"; wait "$sage_pid" 2>/dev/null || true; sage_pid=
kproxy quit

step "Shut the sandbox down"
kproxy sandbox down
trap - EXIT
echo "done."
