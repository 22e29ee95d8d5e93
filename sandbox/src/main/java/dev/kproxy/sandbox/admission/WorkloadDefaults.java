package dev.kproxy.sandbox.admission;

import static dev.kproxy.sandbox.admission.JsonFields.defaultInt;
import static dev.kproxy.sandbox.admission.JsonFields.defaultString;
import static dev.kproxy.sandbox.admission.JsonFields.existingObject;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.node.ObjectNode;

/** SetDefaults_Deployment, _ReplicaSet and _StatefulSet of {@code pkg/apis/apps/v1/defaults.go}; templates like pods. */
final class WorkloadDefaults {
    private WorkloadDefaults() {
    }

    static void apply(ResourceType type, ObjectNode object) {
        ObjectNode spec = JsonFields.object(object, "spec");
        if (spec == null) {
            return;
        }
        defaultInt(spec, "replicas", 1);
        if (type.equals(ResourceCatalog.DEPLOYMENT)) {
            deployment(spec);
        } else if (type.equals(ResourceCatalog.STATEFUL_SET)) {
            statefulSet(spec);
        }
        ObjectNode templateSpec = existingObject(existingObject(spec, "template"), "spec");
        if (templateSpec != null) {
            PodSpecDefaults.apply(templateSpec, false);
        }
    }

    private static void deployment(ObjectNode spec) {
        ObjectNode strategy = JsonFields.object(spec, "strategy");
        if (strategy != null) {
            defaultString(strategy, "type", "RollingUpdate");
            if ("RollingUpdate".equals(JsonFields.string(strategy, "type"))) {
                ObjectNode rolling = JsonFields.object(strategy, "rollingUpdate");
                if (rolling != null) {
                    defaultString(rolling, "maxUnavailable", "25%");
                    defaultString(rolling, "maxSurge", "25%");
                }
            }
        }
        defaultInt(spec, "revisionHistoryLimit", 10);
        defaultInt(spec, "progressDeadlineSeconds", 600);
    }

    private static void statefulSet(ObjectNode spec) {
        defaultString(spec, "podManagementPolicy", "OrderedReady");
        ObjectNode strategy = JsonFields.object(spec, "updateStrategy");
        if (strategy != null) {
            if (JsonFields.absent(strategy, "type")) {
                strategy.put("type", "RollingUpdate");
                JsonFields.object(strategy, "rollingUpdate");
            }
            ObjectNode rolling = existingObject(strategy, "rollingUpdate");
            if ("RollingUpdate".equals(JsonFields.string(strategy, "type")) && rolling != null) {
                defaultInt(rolling, "partition", 0);
            }
        }
        defaultInt(spec, "revisionHistoryLimit", 10);
        ObjectNode retention = JsonFields.object(spec, "persistentVolumeClaimRetentionPolicy");
        if (retention != null) {
            defaultString(retention, "whenDeleted", "Retain");
            defaultString(retention, "whenScaled", "Retain");
        }
        for (ObjectNode claim : JsonFields.items(spec, "volumeClaimTemplates")) {
            defaultString(claim, "apiVersion", "v1");
            defaultString(claim, "kind", "PersistentVolumeClaim");
            ObjectNode claimSpec = existingObject(claim, "spec");
            if (claimSpec != null) {
                defaultString(claimSpec, "volumeMode", "Filesystem");
            }
        }
    }
}
