package dev.kproxy.sandbox.network;

/** One port of one Service: what a listener forwards to. {@code name} is "" for an unnamed port. */
record ServicePort(String namespace, String service, String name, int port) {

    String serviceKey() {
        return namespace + "/" + service;
    }
}
