package dev.kproxy.sandbox.api;

import java.util.List;
import java.util.Map;

import dev.kproxy.sandbox.store.ResourceType;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;

/** One authenticated request for a resource, with its URL already taken apart. */
record ResourceRequest(ChannelHandlerContext ctx, FullHttpRequest http, Identity user, ResourceType type, ApiPath path,
                       Map<String, List<String>> query) {

    /** Empty for cluster-scoped types and all-namespace requests. */
    String namespace() {
        return type.namespaced() && path.namespace() != null ? path.namespace() : "";
    }

    String param(String name) {
        return ObjectFilter.first(query, name);
    }

    boolean flag(String name) {
        String v = param(name);
        return "true".equals(v) || "1".equals(v);
    }

    /** kubectl's server-side printing request: {@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io, ...}. */
    boolean wantsTable() {
        String accept = http.headers().get(HttpHeaderNames.ACCEPT, "");
        return accept.contains("as=Table") && accept.contains("g=meta.k8s.io");
    }

    void authorize(String verb) {
        user.authorize(verb, type, path.subresource(), namespace(), path.name());
    }
}
