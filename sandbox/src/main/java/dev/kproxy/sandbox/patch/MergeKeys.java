package dev.kproxy.sandbox.patch;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;

/**
 * The {@code patchMergeKey}/{@code patchStrategy} struct tags of the types the sandbox stores, from
 * {@code staging/src/k8s.io/api/core/v1/types.go}, {@code .../apps/v1/types.go} and
 * {@code .../apimachinery/pkg/apis/meta/v1/types.go}. Only fields that merge (or contain fields
 * that merge) are listed; everything else is replaced whole.
 */
final class MergeKeys {

    /** ObjectMeta: ownerReferences by uid, finalizers as a set. */
    static final PatchSchema OBJECT_META = PatchSchema.builder()
            .list("ownerReferences", "uid")
            .set("finalizers")
            .build();

    /** Container: ports by containerPort, env by name, volumeMounts by mountPath, volumeDevices by devicePath. */
    static final PatchSchema CONTAINER = PatchSchema.builder()
            .list("ports", "containerPort")
            .list("env", "name")
            .list("volumeMounts", "mountPath")
            .list("volumeDevices", "devicePath")
            .build();

    static final PatchSchema POD_SPEC = PatchSchema.builder()
            .list("containers", "name", CONTAINER)
            .list("initContainers", "name", CONTAINER)
            .list("ephemeralContainers", "name", CONTAINER)
            .list("volumes", "name")
            .list("imagePullSecrets", "name")
            .list("hostAliases", "ip")
            .list("topologySpreadConstraints", "topologyKey")
            .list("resourceClaims", "name")
            .list("schedulingGates", "name")
            .build();

    /** Any status whose only merging list is {@code conditions} (by type). */
    static final PatchSchema CONDITIONS = PatchSchema.builder().list("conditions", "type").build();

    static final PatchSchema POD_STATUS = PatchSchema.builder()
            .list("conditions", "type")
            .list("podIPs", "ip")
            .list("hostIPs", "ip")
            .build();

    static final PatchSchema POD = PatchSchema.builder()
            .object("metadata", OBJECT_META)
            .object("spec", POD_SPEC)
            .object("status", POD_STATUS)
            .build();

    static final PatchSchema POD_TEMPLATE = PatchSchema.builder()
            .object("metadata", OBJECT_META)
            .object("spec", POD_SPEC)
            .build();

    /** Deployment, ReplicaSet and StatefulSet: the pod template is where the merge keys matter. */
    static final PatchSchema WORKLOAD = PatchSchema.builder()
            .object("metadata", OBJECT_META)
            .object("spec", PatchSchema.builder().object("template", POD_TEMPLATE).build())
            .object("status", CONDITIONS)
            .build();

    static final PatchSchema SERVICE = PatchSchema.builder()
            .object("metadata", OBJECT_META)
            .object("spec", PatchSchema.builder().list("ports", "port").build())
            .object("status", CONDITIONS)
            .build();

    static final PatchSchema NAMESPACE = PatchSchema.builder()
            .object("metadata", OBJECT_META)
            .object("status", CONDITIONS)
            .build();

    static final PatchSchema METADATA_ONLY = PatchSchema.builder().object("metadata", OBJECT_META).build();

    private MergeKeys() {
    }

    static PatchSchema forType(ResourceType type) {
        if (type.equals(ResourceCatalog.POD)) {
            return POD;
        }
        if (type.equals(ResourceCatalog.DEPLOYMENT) || type.equals(ResourceCatalog.REPLICA_SET)
                || type.equals(ResourceCatalog.STATEFUL_SET)) {
            return WORKLOAD;
        }
        if (type.equals(ResourceCatalog.SERVICE)) {
            return SERVICE;
        }
        if (type.equals(ResourceCatalog.NAMESPACE)) {
            return NAMESPACE;
        }
        return METADATA_ONLY;
    }
}
