package dev.kproxy.launcher.intercept;

import dev.kproxy.launcher.UserError;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.Map;

/** An intercepted container's environment written for the laptop: {@code sh}, {@code docker} or {@code json}. */
enum EnvFile {
    /** {@code export NAME='value'}: for {@code source}; single quotes keep every byte literal. */
    SH {
        @Override
        String render(Map<String, String> env) {
            StringBuilder out = new StringBuilder();
            env.forEach((k, v) -> out.append("export ").append(k).append("='").append(v.replace("'", "'\\''")).append("'\n"));
            return out.toString();
        }
    },
    /** {@code NAME=value}, as {@code docker run --env-file} reads it: no quoting, so no newlines. */
    DOCKER {
        @Override
        String render(Map<String, String> env) {
            StringBuilder out = new StringBuilder();
            env.forEach((k, v) -> {
                if (v.indexOf('\n') >= 0) {
                    throw new UserError("the value of " + k + " spans lines, which a docker env file cannot hold:"
                            + " use --env-syntax sh or json");
                }
                out.append(k).append('=').append(v).append('\n');
            });
            return out.toString();
        }
    },
    /** One JSON object, name → value. */
    JSON {
        @Override
        String render(Map<String, String> env) {
            JsonMapper json = JsonMapper.builder().build();
            ObjectNode o = json.createObjectNode();
            env.forEach(o::put);
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        }
    };

    abstract String render(Map<String, String> env);

    static EnvFile of(String syntax) {
        return switch (syntax) {
            case "sh" -> SH;
            case "docker" -> DOCKER;
            case "json" -> JSON;
            default -> throw new UserError("--env-syntax " + syntax + " is not one of sh, docker, json");
        };
    }
}
