package dev.kproxy.jvmagent;

import dev.kproxy.jvmagent.bridge.JdkHooksInjector;
import dev.kproxy.jvmagent.cache.ClassFileCache;
import dev.kproxy.jvmagent.hooks.ClusterRouter;
import dev.kproxy.jvmagent.hooks.DaemonLink;
import dev.kproxy.jvmagent.hooks.Hooks;
import dev.kproxy.jvmagent.hooks.NameHook;
import dev.kproxy.jvmagent.hooks.Warnings;
import dev.kproxy.jvmagent.transform.HookTransformer;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The agent's start, in the app's main thread before {@code main}: find the daemon's socket, learn
 * the cluster's names and ranges, put cluster names in front of {@code InetAddress}, define the
 * JDK-side hook class and weave the connect hooks. Nothing here throws into the app: a missing
 * piece is one warning line, and the app runs as without the agent for what it covers.
 */
public final class AgentStart {
    private AgentStart() {
    }

    static boolean isKproxyItself(String command) {
        String main = command.split(" ", 2)[0];
        return main.equals("dev.kproxy.launcher.Main") || main.endsWith("/kproxy.jar") || main.equals("kproxy.jar");
    }

    /** The agent's jar (null when it runs from a directory, as in some tests): names its cache. */
    private static java.io.File ownJar() {
        try {
            java.security.CodeSource source = AgentStart.class.getProtectionDomain().getCodeSource();
            java.io.File file = source == null ? null : new java.io.File(source.getLocation().toURI());
            return file != null && file.isFile() ? file : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    public static void start(String args, Instrumentation inst) {
        if (isKproxyItself(System.getProperty("sun.java.command", ""))) {
            return; // a JAVA_TOOL_OPTIONS-wide agent must not route kproxy's own daemon and CLI
        }
        boolean trace = System.getProperty("kproxy.agent.trace") != null;
        long t0 = System.nanoTime();
        try {
            Path socket = AgentArguments.socket(args);
            ClassFileCache cache = ClassFileCache.in(socket.toFile().getParentFile(), ownJar());
            ClusterRouter router = new ClusterRouter(new DaemonLink(socket));
            Module agent = AgentStart.class.getModule();
            // java.net: the resolver field NameHook replaces.
            inst.redefineModule(Object.class.getModule(), Set.of(), Map.of(), Map.of("java.net", Set.of(agent)), Set.of(), Map.of());
            Hooks.install(router);
            JdkHooksInjector.inject(inst, new Hooks.Dispatch());
            long t1 = System.nanoTime();
            // Before the daemon link opens its first SocketChannel: SocketChannelImpl is then woven
            // as it loads, on that background thread, instead of retransformed on this one.
            new HookTransformer(inst, agent, cache).install();
            long t2 = System.nanoTime();
            router.fetchConfigInBackground();
            try {
                NameHook.install(cache);
            } catch (ReflectiveOperationException | RuntimeException e) {
                Warnings.once("names", "cannot put cluster names into InetAddress on " + Runtime.version() + " (" + e
                        + "); only cluster addresses are mapped");
            }
            if (trace) {
                // -Dkproxy.agent.trace: where the agent's start-up time goes, in ms
                System.err.println("kproxy agent: start+jdk-hooks " + (t1 - t0) / 1_000_000 + " weave " + (t2 - t1) / 1_000_000
                        + " names " + (System.nanoTime() - t2) / 1_000_000);
            }
        } catch (Exception | LinkageError e) {
            Warnings.once("start", "could not start (" + e + "); this JVM runs without it");
        }
    }
}
