package dev.kproxy.launcher;

import picocli.CommandLine.IVersionProvider;

/** The version written into the jar's manifest at build time. */
public final class KproxyVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = KproxyVersion.class.getPackage().getImplementationVersion();
        return new String[] {
            "kproxy " + (v == null ? "(development build)" : v),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
        };
    }
}
