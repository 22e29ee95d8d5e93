package dev.kproxy.sandbox.kubelet;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;

/**
 * The downward API's {@code fieldRef} paths, as the kubelet resolves them
 * (pkg/fieldpath/fieldpath.go and podFieldSelectorRuntimeValue in pkg/kubelet/kubelet_pods.go).
 * The pod IP is passed in because the stored pod may not carry it yet when a container starts.
 */
final class FieldPathResolver {
    private static final Pattern SUBSCRIPT = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

    private final JsonNode pod;
    private final String podIp;

    FieldPathResolver(JsonNode pod, String podIp) {
        this.pod = pod;
        this.podIp = podIp;
    }

    String resolve(String fieldPath) throws ContainerWaitingException {
        JsonNode meta = pod.path("metadata");
        Matcher m = SUBSCRIPT.matcher(fieldPath);
        if (m.matches()) {
            return meta.path(m.group(1)).path(m.group(2)).asString("");
        }
        return switch (fieldPath) {
            case "metadata.name" -> meta.path("name").asString("");
            case "metadata.namespace" -> meta.path("namespace").asString("");
            case "metadata.uid" -> meta.path("uid").asString("");
            case "metadata.labels", "metadata.annotations" -> formatMap(meta.path(fieldPath.substring("metadata.".length())));
            case "spec.nodeName" -> pod.path("spec").path("nodeName").asString(Kubelet.NODE_NAME);
            case "spec.serviceAccountName" -> pod.path("spec").path("serviceAccountName").asString("default");
            case "status.podIP", "status.podIPs" -> podIp;
            case "status.hostIP", "status.hostIPs" -> Kubelet.HOST_IP;
            default -> throw new ContainerWaitingException("CreateContainerConfigError", "unsupported fieldPath: " + fieldPath);
        };
    }

    /** pkg/fieldpath FormatMap: sorted {@code key="value"} lines, as a downwardAPI volume file shows them. */
    private static String formatMap(JsonNode map) {
        Map<String, String> sorted = new TreeMap<>();
        map.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asString("")));
        StringBuilder out = new StringBuilder();
        sorted.forEach((k, v) -> {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(k).append("=\"").append(v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        });
        return out.toString();
    }
}
