package dev.kproxy.sandbox.admission;

import static dev.kproxy.sandbox.admission.JsonFields.defaultInt;
import static dev.kproxy.sandbox.admission.JsonFields.defaultString;
import static dev.kproxy.sandbox.admission.JsonFields.existingObject;
import static dev.kproxy.sandbox.admission.JsonFields.items;

import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** SetDefaults_Container, _ContainerPort, _Probe and _HTTPGetAction of {@code pkg/apis/core/v1/defaults.go}. */
final class ContainerDefaults {
    private ContainerDefaults() {
    }

    static void apply(ObjectNode container, boolean inPod) {
        if (JsonFields.absent(container, "imagePullPolicy")) {
            container.put("imagePullPolicy", tagIsLatest(JsonFields.string(container, "image")) ? "Always" : "IfNotPresent");
        }
        defaultString(container, "terminationMessagePath", "/dev/termination-log");
        defaultString(container, "terminationMessagePolicy", "File");
        ObjectNode resources = JsonFields.object(container, "resources");
        if (inPod && resources != null) {
            requestsFromLimits(resources);
        }
        for (ObjectNode port : items(container, "ports")) {
            defaultString(port, "protocol", "TCP");
        }
        for (String probe : new String[] {"livenessProbe", "readinessProbe", "startupProbe"}) {
            ObjectNode p = existingObject(container, probe);
            if (p != null) {
                defaultInt(p, "timeoutSeconds", 1);
                defaultInt(p, "periodSeconds", 10);
                defaultInt(p, "successThreshold", 1);
                defaultInt(p, "failureThreshold", 3);
                httpGet(p);
            }
        }
        ObjectNode lifecycle = existingObject(container, "lifecycle");
        if (lifecycle != null) {
            httpGet(existingObject(lifecycle, "postStart"));
            httpGet(existingObject(lifecycle, "preStop"));
        }
        for (ObjectNode env : items(container, "env")) {
            fieldRef(existingObject(existingObject(env, "valueFrom"), "fieldRef"));
        }
    }

    private static void httpGet(ObjectNode handler) {
        ObjectNode get = existingObject(handler, "httpGet");
        if (get != null) {
            defaultString(get, "path", "/");
            defaultString(get, "scheme", "HTTP");
        }
    }

    /** SetDefaults_ObjectFieldSelector. */
    static void fieldRef(ObjectNode selector) {
        if (selector != null) {
            defaultString(selector, "apiVersion", "v1");
        }
    }

    /** SetDefaults_Pod: a resource with a limit and no request gets the limit as its request. */
    private static void requestsFromLimits(ObjectNode resources) {
        ObjectNode limits = existingObject(resources, "limits");
        if (limits == null || limits.isEmpty()) {
            return;
        }
        ObjectNode requests = JsonFields.object(resources, "requests");
        if (requests == null) {
            return;
        }
        for (Map.Entry<String, JsonNode> limit : limits.properties()) {
            if (!requests.has(limit.getKey())) {
                requests.set(limit.getKey(), limit.getValue().deepCopy());
            }
        }
    }

    /**
     * parsers.ParseImageName: no tag and no digest means "latest". A ':' names a tag only after the
     * last '/', since before it the colon belongs to a registry host:port.
     */
    static boolean tagIsLatest(String image) {
        String name = image;
        if (name.contains("@")) {
            return false;
        }
        String lastPart = name.substring(name.lastIndexOf('/') + 1);
        int colon = lastPart.indexOf(':');
        return colon < 0 || lastPart.substring(colon + 1).equals("latest");
    }
}
