package dev.kproxy.launcher.intercept;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.UserError;
import dev.kproxy.launcher.daemon.DaemonFiles;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.Optional;

/** One control request to the connect daemon from the intercept commands; refusals become {@link UserError}s. */
final class DaemonCall {
    private DaemonCall() {
    }

    /** The answer, or empty when no daemon runs. */
    static Optional<JsonNode> tryCall(ObjectNode request) {
        Optional<JsonNode> answer = DaemonFiles.in(KproxyHome.resolve()).client().tryCall(request);
        answer.filter(a -> !a.path("ok").asBoolean()).ifPresent(a -> {
            throw new UserError(a.path("error").asString("the daemon refused the request"));
        });
        return answer;
    }

    static JsonNode call(ObjectNode request) {
        return tryCall(request).orElseThrow(() -> new UserError("kproxy is not connected; run `kproxy connect` first"));
    }
}
