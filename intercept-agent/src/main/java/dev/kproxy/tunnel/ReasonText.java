package dev.kproxy.tunnel;

import java.nio.charset.StandardCharsets;

/** RESET and GOAWAY reasons: one line of UTF-8, at most {@link #MAX_BYTES} bytes. */
public final class ReasonText {
    public static final int MAX_BYTES = 1024;

    private ReasonText() {
    }

    /** The text cut at its first line break and shortened (by whole characters) to fit the limit. */
    public static String oneLine(String text) {
        String line = text == null ? "" : text;
        int newline = indexOfLineBreak(line);
        if (newline >= 0) {
            line = line.substring(0, newline);
        }
        while (line.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            int cut = line.offsetByCodePoints(0, line.codePointCount(0, line.length()) - 1);
            line = line.substring(0, cut);
        }
        return line;
    }

    private static int indexOfLineBreak(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return -1;
    }
}
