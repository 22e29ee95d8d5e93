package dev.kproxy.intercept;

import java.util.List;
import java.util.Locale;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** The kinds an intercept reads or changes, with the names RBAC and error messages use for them. */
enum ObjectKind {
    DEPLOYMENT("apps", "Deployment", "deployments"),
    STATEFUL_SET("apps", "StatefulSet", "statefulsets"),
    REPLICA_SET("apps", "ReplicaSet", "replicasets"),
    SERVICE("", "Service", "services"),
    CONFIG_MAP("", "ConfigMap", "configmaps"),
    POD("", "Pod", "pods");

    /** The kinds whose pod template an intercept may change. */
    static final List<ObjectKind> WORKLOADS = List.of(DEPLOYMENT, STATEFUL_SET, REPLICA_SET);

    final String group;
    final String kind;
    final String plural;
    final ResourceDefinitionContext context;

    ObjectKind(String group, String kind, String plural) {
        this.group = group;
        this.kind = kind;
        this.plural = plural;
        this.context = new ResourceDefinitionContext.Builder()
                .withGroup(group).withVersion("v1").withKind(kind).withPlural(plural).withNamespaced(true).build();
    }

    /** {@code deployments.apps}, {@code services}: how RBAC rules and kubectl name the resource. */
    String qualified() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    /** {@code deployment}, as in {@code kubectl rollout status deployment/sage}. */
    String lower() {
        return kind.toLowerCase(Locale.ROOT);
    }

    static ObjectKind ofKind(String kind) {
        for (ObjectKind k : values()) {
            if (k.kind.equals(kind)) {
                return k;
            }
        }
        throw new IllegalArgumentException("not a kind kproxy intercepts: " + kind);
    }
}
