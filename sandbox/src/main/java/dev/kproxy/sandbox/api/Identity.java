package dev.kproxy.sandbox.api;

import dev.kproxy.sandbox.store.ResourceType;

/** The user a bearer token names, and what that user may do. */
record Identity(String name, boolean admin, AccessRules rules) {

    /** @throws ApiException 403 with the Kubernetes wording when the user lacks the permission */
    void authorize(String verb, ResourceType type, String subresource, String namespace, String name) {
        if (admin) {
            return;
        }
        String resource = subresource == null ? type.plural() : type.plural() + "/" + subresource;
        String ns = type.namespaced() && namespace != null ? namespace : "";
        if (!rules.allows(verb, resource, ns)) {
            throw ApiException.forbidden(this.name, verb, type, subresource, ns, name);
        }
    }
}
