package dev.kproxy.intercept;

import java.util.Map;
import java.util.Optional;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What kproxy changed on one object, kept on the object itself so that an uninstall needs nothing
 * but the cluster (the laptop process may have been killed): the annotation {@value #ANNOTATION}
 * holds the exact original JSON of every field the install replaced, and the label {@value #LABEL}
 * lets {@code uninstall --all} find the object by selector.
 *
 * <p>Format, version 1 — a workload: {@code {"version":1,"templateSpec":{…original spec.template.spec…},
 * "intercept":{"service":…,"servicePort":…,"appPort":…,"agentPort":…,"tunnelPort":…}}}; a Service:
 * {@code {"version":1,"ports":[…original spec.ports…],"workload":"deployment/quota"}}.
 */
record InstallRecord(JsonNode json) {
    static final String ANNOTATION = "kproxy.dev/original";
    static final String LABEL = "kproxy.dev/intercepted";
    static final Map<String, String> SELECTOR = Map.of(LABEL, "true");
    static final int VERSION = 1;

    static InstallRecord forWorkload(ObjectNode originalTemplateSpec, ObjectNode intercept) {
        ObjectNode r = ClusterObjects.JSON.createObjectNode().put("version", VERSION);
        r.set("templateSpec", originalTemplateSpec.deepCopy());
        r.set("intercept", intercept);
        return new InstallRecord(r);
    }

    static InstallRecord forService(ArrayNode originalPorts, Workload workload) {
        ObjectNode r = ClusterObjects.JSON.createObjectNode().put("version", VERSION);
        r.set("ports", originalPorts.deepCopy());
        r.put("workload", workload.ref());
        return new InstallRecord(r);
    }

    /** The record on an object, if kproxy changed it; fails on a record this version cannot undo. */
    static Optional<InstallRecord> read(JsonNode object) {
        JsonNode text = object.path("metadata").path("annotations").path(ANNOTATION);
        if (!text.isString()) {
            return Optional.empty();
        }
        String what = object.path("kind").asString("object").toLowerCase(java.util.Locale.ROOT) + " "
                + object.path("metadata").path("namespace").asString() + "/" + object.path("metadata").path("name").asString();
        JsonNode json;
        try {
            json = ClusterObjects.JSON.readTree(text.asString());
        } catch (JacksonException e) {
            throw new InterceptException("the " + ANNOTATION + " annotation of " + what + " is not JSON: someone edited it;"
                    + " restore the object by hand and remove the annotation and the " + LABEL + " label");
        }
        int version = json.path("version").asInt(0);
        if (version != VERSION) {
            throw new InterceptException(what + " was changed by a kproxy with install record version " + version
                    + "; this kproxy reads version " + VERSION + ": uninstall with the kproxy that installed it");
        }
        return Optional.of(new InstallRecord(json));
    }

    ObjectNode templateSpec() {
        return (ObjectNode) json.get("templateSpec");
    }

    ArrayNode ports() {
        return (ArrayNode) json.get("ports");
    }

    /** {@code deployment/quota}: the workload whose intercept changed this Service. */
    String workload() {
        return json.path("workload").asString("");
    }

    JsonNode intercept() {
        return json.path("intercept");
    }

    String text() {
        return ClusterObjects.JSON.writeValueAsString(json);
    }

    /** JSON-patch operations that put this record on {@code object} (replacing an older record). */
    void addMarks(ArrayNode ops, JsonNode object) {
        putEntry(ops, object, "annotations", ANNOTATION, text());
        putEntry(ops, object, "labels", LABEL, "true");
    }

    /** JSON-patch operations that take the annotation and label off again; a map left empty goes too. */
    static void removeMarks(ArrayNode ops, JsonNode object) {
        removeEntry(ops, object, "annotations", ANNOTATION);
        removeEntry(ops, object, "labels", LABEL);
    }

    private static void putEntry(ArrayNode ops, JsonNode object, String map, String key, String value) {
        if (object.path("metadata").path(map).isObject()) {
            ops.addObject().put("op", "add").put("path", "/metadata/" + map + "/" + escape(key)).put("value", value);
        } else {
            ops.addObject().put("op", "add").put("path", "/metadata/" + map).putObject("value").put(key, value);
        }
    }

    private static void removeEntry(ArrayNode ops, JsonNode object, String map, String key) {
        JsonNode entries = object.path("metadata").path(map);
        if (!entries.has(key)) {
            return;
        }
        String path = entries.size() == 1 ? "/metadata/" + map : "/metadata/" + map + "/" + escape(key);
        ops.addObject().put("op", "remove").put("path", path);
    }

    /** RFC 6901 §3: '~' → "~0", '/' → "~1". */
    static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
