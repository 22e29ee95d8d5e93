package dev.kproxy.sandbox.kubelet;

import java.util.function.Function;

/**
 * Kubernetes' {@code $(VAR)} expansion for env values, command and args, a port of
 * third_party/forked/golang/expansion/expand.go: {@code $(NAME)} becomes the value when NAME is
 * known and stays as written otherwise, {@code $$} is an escaped {@code $}, any other {@code $}
 * is literal.
 */
final class EnvVarExpansion {
    private EnvVarExpansion() {
    }

    /** @param lookup returns null for an unknown name */
    static String expand(String input, Function<String, String> lookup) {
        StringBuilder out = new StringBuilder(input.length());
        int checkpoint = 0;
        for (int cursor = 0; cursor < input.length(); cursor++) {
            if (input.charAt(cursor) != '$' || cursor + 1 >= input.length()) {
                continue;
            }
            out.append(input, checkpoint, cursor);
            char next = input.charAt(cursor + 1);
            int advance = 1;
            if (next == '$') {
                out.append('$');
            } else if (next == '(') {
                int close = input.indexOf(')', cursor + 2);
                if (close < 0) {
                    out.append("$(");
                } else {
                    String name = input.substring(cursor + 2, close);
                    String value = lookup.apply(name);
                    out.append(value != null ? value : "$(" + name + ")");
                    advance = close - cursor;
                }
            } else {
                out.append('$').append(next);
            }
            cursor += advance;
            checkpoint = cursor + 1;
        }
        return out.append(input, checkpoint, input.length()).toString();
    }
}
