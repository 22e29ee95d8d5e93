package dev.kproxy.sandbox.api;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * A resource URL taken apart: {@code /api/v1/namespaces/{ns}/pods/{name}/log} or
 * {@code /apis/{group}/{version}/deployments}. Null fields are absent segments.
 */
record ApiPath(String group, String version, String namespace, String plural, String name, String subresource) {

    /** Namespace subresources that would otherwise read as a plural (staging/src/k8s.io/api/core/v1: Namespace). */
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    /** Empty for a discovery path or anything that is not a resource URL. */
    static Optional<ApiPath> parse(String path) {
        String[] s = Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).toArray(String[]::new);
        int rest;
        String group;
        String version;
        if (s.length >= 3 && s[0].equals("api")) {
            group = "";
            version = s[1];
            rest = 2;
        } else if (s.length >= 4 && s[0].equals("apis")) {
            group = s[1];
            version = s[2];
            rest = 3;
        } else {
            return Optional.empty();
        }
        String[] r = Arrays.copyOfRange(s, rest, s.length);
        if (r.length >= 3 && r[0].equals("namespaces") && !NAMESPACE_SUBRESOURCES.contains(r[2])) {
            if (r.length > 5) {
                return Optional.empty();
            }
            return Optional.of(new ApiPath(group, version, r[1], r[2], at(r, 3), at(r, 4)));
        }
        if (r.length > 3) {
            return Optional.empty();
        }
        return Optional.of(new ApiPath(group, version, null, r[0], at(r, 1), at(r, 2)));
    }

    private static String at(String[] r, int i) {
        return i < r.length ? r[i] : null;
    }
}
