package dev.kproxy.launcher;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Go-style durations as kubectl users write them: {@code 20ms}, {@code 1.5s}, {@code 2m}. */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
        Matcher m = FORM.matcher(value.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a duration; write e.g. 20ms, 2s or 1m");
        }
        double n = Double.parseDouble(m.group(1));
        long millis = switch (m.group(2)) {
            case "ms" -> Math.round(n);
            case "s" -> Math.round(n * 1_000);
            case "m" -> Math.round(n * 60_000);
            default -> Math.round(n * 3_600_000);
        };
        return Duration.ofMillis(millis);
    }
}
