package dev.kproxy.jvmagent.transform;

import dev.kproxy.jvmagent.bridge.JdkHooksInjector;

/**
 * One method the agent hooks. {@code className} is an internal name; Netty's is matched as a
 * suffix ({@code .../io/netty/channel/unix/Socket}) because grpc-netty-shaded and others relocate
 * Netty under their own package. A plain class with identity equality, not a record: a record's
 * {@code hashCode} bootstraps through invokedynamic, which costs every app's start-up ~40 ms.
 */
final class HookPoint {
    private final String className;
    private final boolean suffix;
    private final String method;
    private final String descriptor;
    private final boolean route;
    private final HookCode.Exit exit;
    private final String what;
    private final int routeArg;

    HookPoint(String className, boolean suffix, String method, String descriptor, boolean route, HookCode.Exit exit, String what) {
        this(className, suffix, method, descriptor, route, 0, exit, what);
    }

    /** {@code routeArg}: the parameter (0-based) that is the destination, when it is not the first. */
    HookPoint(String className, boolean suffix, String method, String descriptor, boolean route, int routeArg, HookCode.Exit exit,
              String what) {
        this.className = className;
        this.suffix = suffix;
        this.method = method;
        this.descriptor = descriptor;
        this.route = route;
        this.exit = exit;
        this.what = what;
        this.routeArg = routeArg;
    }

    int routeArg() {
        return routeArg;
    }

    String className() {
        return className;
    }

    boolean suffix() {
        return suffix;
    }

    boolean route() {
        return route;
    }

    HookCode.Exit exit() {
        return exit;
    }

    String what() {
        return what;
    }

    /** The class whose static methods the woven code calls: one in java.base for JDK classes. */
    String hooksClass() {
        return suffix ? "dev/kproxy/jvmagent/hooks/Hooks" : JdkHooksInjector.NAME;
    }

    boolean matchesClass(String internalName) {
        return suffix ? internalName.endsWith("/" + className) || internalName.equals(className) : internalName.equals(className);
    }

    boolean matchesMethod(String name, String desc) {
        return method.equals(name) && descriptor.equals(desc);
    }

    String describe() {
        return className.replace('/', '.') + "." + method + descriptor;
    }
}
