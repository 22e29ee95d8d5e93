package dev.kproxy.sandbox.patch;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed JSON Pointer (RFC 6901): the reference tokens with {@code ~1} and {@code ~0} decoded,
 * in that order (section 4: decoding {@code ~01} must give {@code ~1}, not {@code /}).
 */
record JsonPointer(String text, List<String> tokens) {

    static JsonPointer parse(String text) {
        if (text.isEmpty()) {
            return new JsonPointer(text, List.of());
        }
        if (text.charAt(0) != '/') {
            throw PatchErrors.invalid("invalid JSON pointer \"" + text + "\": it must be empty or start with '/'");
        }
        List<String> tokens = new ArrayList<>();
        for (String raw : text.substring(1).split("/", -1)) {
            tokens.add(decode(text, raw));
        }
        return new JsonPointer(text, List.copyOf(tokens));
    }

    private static String decode(String text, String raw) {
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '~') {
                sb.append(c);
                continue;
            }
            char next = i + 1 < raw.length() ? raw.charAt(i + 1) : ' ';
            if (next == '0') {
                sb.append('~');
            } else if (next == '1') {
                sb.append('/');
            } else {
                throw PatchErrors.invalid("invalid JSON pointer \"" + text + "\": '~' must be followed by '0' or '1'");
            }
            i++;
        }
        return sb.toString();
    }

    boolean isRoot() {
        return tokens.isEmpty();
    }

    JsonPointer parent() {
        return new JsonPointer(text.substring(0, text.lastIndexOf('/')), tokens.subList(0, tokens.size() - 1));
    }

    String last() {
        return tokens.get(tokens.size() - 1);
    }

    /** True when this pointer names a location strictly inside {@code other}'s value. */
    boolean isProperChildOf(JsonPointer other) {
        return tokens.size() > other.tokens.size() && tokens.subList(0, other.tokens.size()).equals(other.tokens);
    }

    @Override
    public String toString() {
        return text;
    }

    /** RFC 6901 section 4: an array index is 0 or digits without a leading zero. */
    static boolean isArrayIndex(String token) {
        return token.equals("0") || token.matches("[1-9][0-9]{0,9}");
    }
}
