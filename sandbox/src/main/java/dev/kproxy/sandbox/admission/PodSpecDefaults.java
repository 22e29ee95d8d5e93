package dev.kproxy.sandbox.admission;

import static dev.kproxy.sandbox.admission.JsonFields.defaultBoolean;
import static dev.kproxy.sandbox.admission.JsonFields.defaultInt;
import static dev.kproxy.sandbox.admission.JsonFields.defaultString;
import static dev.kproxy.sandbox.admission.JsonFields.existingObject;
import static dev.kproxy.sandbox.admission.JsonFields.items;

import java.util.List;

import tools.jackson.databind.node.ObjectNode;

/**
 * SetDefaults_PodSpec (pods and pod templates alike) plus what SetDefaults_Pod adds for pods only
 * ({@code enableServiceLinks}, requests from limits), from {@code pkg/apis/core/v1/defaults.go}.
 */
final class PodSpecDefaults {
    /** The volume sources with a {@code defaultMode} (SetDefaults_*VolumeSource: 0644). */
    private static final List<String> FILE_SOURCES = List.of("configMap", "secret", "downwardAPI", "projected");
    private static final int DEFAULT_MODE = 0644;

    /** Every Volume field but {@code name} is a source; a volume with none gets an emptyDir (SetDefaults_Volume). */
    private static final String NAME = "name";

    private PodSpecDefaults() {
    }

    static void apply(ObjectNode spec, boolean pod) {
        defaultString(spec, "restartPolicy", "Always");
        defaultInt(spec, "terminationGracePeriodSeconds", 30);
        defaultString(spec, "dnsPolicy", "ClusterFirst");
        defaultString(spec, "schedulerName", "default-scheduler");
        JsonFields.object(spec, "securityContext");
        if (pod) {
            defaultBoolean(spec, "enableServiceLinks", true);
        }
        for (String list : List.of("containers", "initContainers", "ephemeralContainers")) {
            for (ObjectNode container : items(spec, list)) {
                ContainerDefaults.apply(container, pod);
            }
        }
        for (ObjectNode volume : items(spec, "volumes")) {
            volume(volume);
        }
    }

    private static void volume(ObjectNode volume) {
        if (volume.propertyNames().stream().allMatch(NAME::equals)) {
            volume.putObject("emptyDir");
        }
        for (String source : FILE_SOURCES) {
            ObjectNode s = existingObject(volume, source);
            if (s != null) {
                defaultInt(s, "defaultMode", DEFAULT_MODE);
            }
        }
        for (ObjectNode item : items(existingObject(volume, "downwardAPI"), "items")) {
            ContainerDefaults.fieldRef(existingObject(item, "fieldRef"));
        }
        ObjectNode hostPath = existingObject(volume, "hostPath");
        if (hostPath != null) {
            defaultString(hostPath, "type", "");
        }
    }
}
