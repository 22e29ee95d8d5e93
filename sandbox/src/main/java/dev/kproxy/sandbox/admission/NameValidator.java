package dev.kproxy.sandbox.admission;

import java.util.regex.Pattern;

/**
 * The name rules of {@code staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go},
 * with its messages: most objects are DNS-1123 subdomains, Namespaces and container names
 * DNS-1123 labels, Services DNS-1035 labels (their name becomes a DNS label and an env var prefix).
 */
enum NameValidator {
    SUBDOMAIN(253, "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            "'example.com'"),
    LABEL(63, "[a-z0-9]([-a-z0-9]*[a-z0-9])?",
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            "'my-name',  or '123-abc'"),
    DNS1035_LABEL(63, "[a-z]([-a-z0-9]*[a-z0-9])?",
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            "'my-name',  or 'abc-123'");

    private final int maxLength;
    private final String regex;
    private final Pattern pattern;
    private final String message;

    NameValidator(int maxLength, String regex, String message, String examples) {
        this.maxLength = maxLength;
        this.regex = regex;
        this.pattern = Pattern.compile(regex);
        this.message = message + " (e.g. " + examples + ", regex used for validation is '" + regex + "')";
    }

    /** Adds the errors a name has at {@code path}; an empty name is the caller's Required value. */
    void validate(String path, String name, FieldErrors errors) {
        if (name.length() > maxLength) {
            errors.invalid(path, name, "must be no more than " + maxLength + " characters");
        }
        if (!pattern.matcher(name).matches()) {
            errors.invalid(path, name, message);
        }
    }

    /**
     * generateName is checked as the prefix it is: the random suffix the store appends fixes a
     * trailing '-', as ValidateObjectMeta's prefix mode ({@code maskTrailingDash}) assumes.
     */
    void validatePrefix(String path, String prefix, FieldErrors errors) {
        String masked = prefix.endsWith("-") && prefix.length() > 1 ? prefix.substring(0, prefix.length() - 1) + "a" : prefix;
        if (!pattern.matcher(masked).matches()) {
            errors.invalid(path, prefix, message);
        }
    }

    String regex() {
        return regex;
    }
}
