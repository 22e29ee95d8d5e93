package dev.kproxy.jvmagent.transform;

import dev.kproxy.jvmagent.bridge.JdkHooksInjector;

/**
 * One method the agent hooks. {@code className} is an internal name; Netty's is matched as a
 * suffix ({@code .../io/netty/channel/unix/Socket}) because grpc-netty-shaded and others relocate
 * Netty under their own package.
 */
record HookPoint(String className, boolean suffix, String method, String descriptor, boolean route,
                 HookAdvice.Exit exit, String what) {

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
