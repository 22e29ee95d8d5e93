package dev.kproxy.jvmagent.transform;

import dev.kproxy.jvmagent.hooks.Warnings;
import dev.kproxy.jvmagent.cache.ClassFileCache;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Weaves {@link HookCode} into the classes {@link HookPoints} names, when they load or (already
 * loaded ones) on retransformation. A class is left as it was when anything goes wrong, and a hook
 * point the class lacks is reported once: the app then runs as without the agent for that path.
 */
public final class HookTransformer implements ClassFileTransformer {
    private final Instrumentation inst;
    private final Module hooksModule;
    private final ClassFileCache cache;
    private final Set<String> woven = ConcurrentHashMap.newKeySet();

    /** {@code cache}: woven classes from earlier starts (and where this start's go). */
    public HookTransformer(Instrumentation inst, Module hooksModule, ClassFileCache cache) {
        this.inst = inst;
        this.hooksModule = hooksModule;
        this.cache = cache;
    }

    /** Adds this transformer and retransforms the hooked JDK classes already loaded (JDK 25 loads SocketChannelImpl before agents start). */
    public void install() {
        HookPoints.forClass(""); // initialised before it can be needed inside class loading
        inst.addTransformer(this, true);
        Set<String> jdk = HookPoints.jdkClasses();
        Set<String> found = new HashSet<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (jdk.contains(c.getName()) || (isNetty(c.getName()) && !HookPoints.forClass(c.getName().replace('.', '/')).isEmpty())) {
                found.add(c.getName());
                try {
                    inst.retransformClasses(c);
                } catch (Throwable e) {
                    Warnings.once("retransform " + c.getName(), "cannot hook " + c.getName() + " (" + e + ")");
                }
            }
        }
        // The others are woven when the app first loads them; that they exist at all is checked
        // beside the app's start (opening java.base's module reader is not free).
        Thread check = new Thread(new Runnable() {
            @Override
            public void run() {
                for (String name : jdk) {
                    if (!found.contains(name) && !existsInJavaBase(name)) {
                        for (HookPoint p : HookPoints.ALL) {
                            if (p.className().replace('/', '.').equals(name)) {
                                missing(p);
                            }
                        }
                    }
                }
            }
        }, "kproxy-agent-check");
        check.setDaemon(true);
        check.start();
    }

    private static boolean existsInJavaBase(String name) {
        try (java.io.InputStream in = Object.class.getModule().getResourceAsStream(name.replace('.', '/') + ".class")) {
            return in != null;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean isNetty(String name) {
        return name.contains("io.netty.");
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefining,
                            ProtectionDomain domain, byte[] bytes) {
        List<HookPoint> points = HookPoints.forClass(className);
        if (points.isEmpty()) {
            return null;
        }
        try {
            byte[] out = cache.get(className, bytes);
            if (out == null) {
                HookWeaver.Woven result = HookWeaver.weave(bytes, points);
                for (HookPoint p : result.missing()) {
                    missing(p, className);
                }
                out = result.bytes();
                if (out == null) {
                    return null;
                }
                if (result.missing().isEmpty()) {
                    // Only complete weavings are kept, so a missing hook point is reported on every start.
                    cache.put(className, bytes, out);
                }
            }
            // Woven Netty calls Hooks in the agent's (unnamed) module: Netty on the module path
            // must be made to read it. java.base calls its own KproxyHooks instead.
            if (module != null && module.isNamed() && module != Object.class.getModule() && !module.canRead(hooksModule)) {
                inst.redefineModule(module, Set.of(hooksModule), Map.of(), Map.of(), Set.of(), Map.of());
            }
            woven.add(className);
            // What is hooked, for diagnostics (and the tests): -Dkproxy.agent.hooked is read-only information.
            System.setProperty("kproxy.agent.hooked", String.join(",", new java.util.TreeSet<>(woven)));
            return out;
        } catch (Throwable e) {
            Warnings.once("weave " + className, "cannot hook " + className.replace('/', '.') + " (" + e
                    + "); connections through it are not sent to the cluster");
            return null;
        }
    }

    private static void missing(HookPoint p) {
        missing(p, p.className());
    }

    /** {@code className}: the class actually loaded (a shaded Netty's own name). */
    private static void missing(HookPoint p, String className) {
        String where = className.replace('/', '.') + "." + p.describe().substring(p.describe().lastIndexOf('.') + 1);
        Warnings.once("missing " + where, "hook point " + where + " not found in this "
                + (p.suffix() ? "Netty" : "JDK (" + Runtime.version() + ")") + "; not covered: " + p.what());
    }

    /** Classes woven so far (internal names), for the start-up check and tests. */
    public Set<String> woven() {
        return Set.copyOf(woven);
    }
}
