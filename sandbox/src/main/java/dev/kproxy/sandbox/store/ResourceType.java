package dev.kproxy.sandbox.store;

/**
 * One REST resource the sandbox API serves, e.g. {@code apps/v1 deployments}.
 *
 * @param group      API group, empty for the core group
 * @param version    API version within the group
 * @param plural     the URL segment ({@code pods})
 * @param kind       the object kind ({@code Pod})
 * @param namespaced whether objects live in a namespace
 */
public record ResourceType(String group, String version, String plural, String kind, boolean namespaced) {

    /** The {@code apiVersion} field value of objects of this type. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    @Override
    public String toString() {
        return group.isEmpty() ? plural : plural + "." + group;
    }
}
