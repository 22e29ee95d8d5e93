package dev.kproxy.sandbox.network;

/** The pod a port-forward reaches: its identity for counters and error texts, and the IP to dial. */
record PodTarget(String namespace, String name, String uid, String podIp) {
}
