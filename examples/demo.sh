#!/usr/bin/env bash
# The sage story on the embedded sandbox (README's first command).
# Starts a local stand-in cluster with the sage manifests, shows the pods with kubectl, calls sage
# through its NodePort (it answers "from k8s"), and shuts everything down again.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# A private kproxy home, so the demo never touches a sandbox or daemon you run yourself.
export KPROXY_HOME=${KPROXY_HOME:-$(mktemp -d "${TMPDIR:-/tmp}/kproxy-demo.XXXXXX")}
kproxy() { "$root/kproxy" "$@"; }
cleanup() { kproxy sandbox down >/dev/null 2>&1 || true; }
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

step "Shut the sandbox down"
kproxy sandbox down
trap - EXIT
echo "done."
