package dev.kproxy.sandbox.api;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Builds {@code v1 Status} objects, the body of every error answer and of watch ERROR events. */
final class StatusResponses {
    static final JsonMapper JSON = JsonMapper.builder().build();

    private StatusResponses() {
    }

    static ObjectNode status(ApiException e) {
        ObjectNode s = JSON.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure");
        s.put("message", e.getMessage());
        s.put("reason", e.reason());
        if (e.detailName() != null || e.detailKind() != null) {
            ObjectNode d = s.putObject("details");
            if (e.detailName() != null && !e.detailName().isEmpty()) {
                d.put("name", e.detailName());
            }
            if (e.detailGroup() != null && !e.detailGroup().isEmpty()) {
                d.put("group", e.detailGroup());
            }
            if (e.detailKind() != null) {
                d.put("kind", e.detailKind());
            }
        }
        s.put("code", e.code());
        return s;
    }

    static ObjectNode success() {
        ObjectNode s = JSON.createObjectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Success");
        return s;
    }
}
