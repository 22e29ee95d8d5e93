package dev.kproxy.sandbox.api;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Server-side printing: the {@code meta.k8s.io/v1 Table} kubectl asks for with
 * {@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}. Columns follow
 * pkg/printers/internalversion/printers.go; priority-1 columns appear with {@code -o wide} only.
 */
final class TablePrinter {
    /** What a row carries besides its cells: the query parameter {@code includeObject}. */
    enum Include { NONE, METADATA, OBJECT }

    private record Column(String name, String type, int priority, Function<JsonNode, Object> cell) {
    }

    private static final Column NAME = new Column("Name", "string", 0, o -> text(o, "metadata", "name"));
    private static final Column AGE = new Column("Age", "string", 0, TablePrinter::age);

    private static final Map<String, List<Column>> COLUMNS = Map.of(
            "pods", List.of(NAME,
                    new Column("Ready", "string", 0, PodCells::ready),
                    new Column("Status", "string", 0, PodCells::status),
                    new Column("Restarts", "integer", 0, PodCells::restarts),
                    AGE,
                    new Column("IP", "string", 1, o -> orNone(text(o, "status", "podIP"))),
                    new Column("Node", "string", 1, o -> orNone(text(o, "spec", "nodeName")))),
            "services", List.of(NAME,
                    new Column("Type", "string", 0, o -> or(text(o, "spec", "type"), "ClusterIP")),
                    new Column("Cluster-IP", "string", 0, o -> orNone(text(o, "spec", "clusterIP"))),
                    new Column("External-IP", "string", 0, TablePrinter::externalIp),
                    new Column("Port(s)", "string", 0, TablePrinter::servicePorts),
                    AGE,
                    new Column("Selector", "string", 1, o -> orNone(pairs(o.path("spec").path("selector"))))),
            "deployments", List.of(NAME,
                    new Column("Ready", "string", 0, o -> integer(o, "status", "readyReplicas") + "/" + desired(o)),
                    new Column("Up-to-date", "integer", 0, o -> integer(o, "status", "updatedReplicas")),
                    new Column("Available", "integer", 0, o -> integer(o, "status", "availableReplicas")),
                    AGE,
                    new Column("Containers", "string", 1, o -> containers(o, "name")),
                    new Column("Images", "string", 1, o -> containers(o, "image")),
                    new Column("Selector", "string", 1, o -> orNone(pairs(o.path("spec").path("selector").path("matchLabels"))))),
            "replicasets", List.of(NAME,
                    new Column("Desired", "integer", 0, TablePrinter::desired),
                    new Column("Current", "integer", 0, o -> integer(o, "status", "replicas")),
                    new Column("Ready", "integer", 0, o -> integer(o, "status", "readyReplicas")),
                    AGE,
                    new Column("Containers", "string", 1, o -> containers(o, "name")),
                    new Column("Images", "string", 1, o -> containers(o, "image"))),
            "statefulsets", List.of(NAME,
                    new Column("Ready", "string", 0, o -> integer(o, "status", "readyReplicas") + "/" + desired(o)),
                    AGE,
                    new Column("Containers", "string", 1, o -> containers(o, "name")),
                    new Column("Images", "string", 1, o -> containers(o, "image"))),
            "namespaces", List.of(NAME,
                    new Column("Status", "string", 0, o -> or(text(o, "status", "phase"), "Active")),
                    AGE));

    private TablePrinter() {
    }

    static ObjectNode table(ResourceType type, List<ObjectNode> objects, String resourceVersion, Include include) {
        List<Column> columns = COLUMNS.getOrDefault(type.plural(), List.of(NAME, AGE));
        ObjectNode table = StatusResponses.JSON.createObjectNode();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion", resourceVersion);
        ArrayNode defs = table.putArray("columnDefinitions");
        for (Column c : columns) {
            ObjectNode d = defs.addObject();
            d.put("name", c.name());
            d.put("type", c.type());
            d.put("format", c == NAME ? "name" : "");
            d.put("description", c.name());
            d.put("priority", c.priority());
        }
        ArrayNode rows = table.putArray("rows");
        for (ObjectNode o : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Column c : columns) {
                Object v = c.cell().apply(o);
                if (v instanceof Number n) {
                    cells.add(n.longValue());
                } else {
                    cells.add(String.valueOf(v));
                }
            }
            if (include == Include.OBJECT) {
                row.set("object", o);
            } else if (include == Include.METADATA) {
                ObjectNode partial = row.putObject("object");
                partial.put("kind", "PartialObjectMetadata");
                partial.put("apiVersion", "meta.k8s.io/v1");
                partial.set("metadata", o.path("metadata").deepCopy());
            }
        }
        return table;
    }

    static Include include(String includeObject) {
        if ("Object".equals(includeObject)) {
            return Include.OBJECT;
        }
        return "None".equals(includeObject) ? Include.NONE : Include.METADATA;
    }

    static String text(JsonNode o, String... path) {
        JsonNode n = o;
        for (String p : path) {
            n = n.path(p);
        }
        return n.isValueNode() ? n.asString("") : "";
    }

    static long integer(JsonNode o, String... path) {
        JsonNode n = o;
        for (String p : path) {
            n = n.path(p);
        }
        return n.asLong(0);
    }

    private static long desired(JsonNode o) {
        JsonNode r = o.path("spec").path("replicas");
        return r.isMissingNode() || r.isNull() ? 1 : r.asLong(1);
    }

    private static String or(String value, String fallback) {
        return value.isEmpty() ? fallback : value;
    }

    private static String orNone(String value) {
        return or(value, "<none>");
    }

    private static String age(JsonNode o) {
        String created = text(o, "metadata", "creationTimestamp");
        if (created.isEmpty()) {
            return "<unknown>";
        }
        try {
            return HumanDuration.format(Duration.between(Instant.parse(created), Instant.now()));
        } catch (DateTimeParseException e) {
            return "<invalid>";
        }
    }

    private static String pairs(JsonNode map) {
        List<String> out = new ArrayList<>();
        map.properties().forEach(e -> out.add(e.getKey() + "=" + e.getValue().asString("")));
        return String.join(",", out);
    }

    private static String containers(JsonNode o, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : o.path("spec").path("template").path("spec").path("containers")) {
            out.add(c.path(field).asString(""));
        }
        return String.join(",", out);
    }

    private static String externalIp(JsonNode svc) {
        List<String> ips = new ArrayList<>();
        for (JsonNode ip : svc.path("spec").path("externalIPs")) {
            ips.add(ip.asString(""));
        }
        if ("LoadBalancer".equals(text(svc, "spec", "type"))) {
            for (JsonNode in : svc.path("status").path("loadBalancer").path("ingress")) {
                ips.add(in.has("ip") ? in.path("ip").asString("") : in.path("hostname").asString(""));
            }
            if (ips.isEmpty()) {
                return "<pending>";
            }
        }
        return ips.isEmpty() ? "<none>" : String.join(",", ips);
    }

    private static String servicePorts(JsonNode svc) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : svc.path("spec").path("ports")) {
            String protocol = p.path("protocol").asString("TCP");
            long node = p.path("nodePort").asLong(0);
            out.add(p.path("port").asLong() + (node > 0 ? ":" + node : "") + "/" + protocol);
        }
        return out.isEmpty() ? "<none>" : out.stream().collect(Collectors.joining(","));
    }
}
