package dev.kproxy.sandbox.patch;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Test fixtures written as JSON with single quotes, so expected objects read like kubectl output. */
public final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }

    public static JsonNode node(String singleQuoted) {
        return MAPPER.readTree(singleQuoted.replace('\'', '"'));
    }

    public static ObjectNode object(String singleQuoted) {
        return (ObjectNode) node(singleQuoted);
    }
}
